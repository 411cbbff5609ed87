import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';

/** The iCalendar invite of a parsed email (its .ics attachment), read by a real parser. */
export function inviteOf(mail: ParsedMail) {
  const attachment = mail.attachments.find((a) => a.filename?.endsWith('.ics'));
  if (!attachment) return undefined;
  const calendar = new ICAL.Component(ICAL.parse(attachment.content.toString('utf8')));
  const event = calendar.getFirstSubcomponent('vevent')!;
  return {
    contentType: attachment.contentType,
    method: calendar.getFirstPropertyValue('method') as string,
    uid: event.getFirstPropertyValue('uid') as string,
    sequence: event.getFirstPropertyValue('sequence') as unknown as number,
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    end: (event.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
    location: event.getFirstPropertyValue('location') as string,
  };
}

export const to = (address: string) => (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : [mail.to]).some((t) => t?.value.some((v) => v.address === address));

export const subject = (pattern: RegExp) => (mail: ParsedMail) => pattern.test(mail.subject ?? '');

/** Polls until `check` passes or `timeoutMs` runs out (then fails with its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
