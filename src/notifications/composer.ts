import type { Locale } from '../common/locale';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarInvite } from './calendar-invite';
import type { NotificationKind, NotificationPayload } from './notification.entity';

export interface ComposerSettings {
  clinicName: string;
  clinicPhone?: string;
  clinicAddress?: string;
  clinicTimezone: string;
  publicBaseUrl: string;
  cancellationDeadlineHours: number;
  mailFrom: string;
}

export interface EmailToCompose {
  notificationId: string;
  bookingId: string | null;
  kind: NotificationKind;
  locale: Locale;
  recipient: string;
  payload: NotificationPayload;
  /** The manage token, for the link; absent where the email has no link. */
  token?: string;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
  invite?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

const INVITES: Partial<Record<NotificationKind, 'REQUEST' | 'CANCEL'>> = {
  booking_confirmed: 'REQUEST',
  booking_rescheduled: 'REQUEST',
  reminder: 'REQUEST',
  booking_cancelled: 'CANCEL',
  slot_cancelled: 'CANCEL',
};

const DATE_WORDS: Record<Locale, { intl: string; at: string }> = {
  en: { intl: 'en-GB', at: 'at' },
  nl: { intl: 'nl', at: 'om' },
};

/** One formatter per language and zone: making an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "dinsdag 9 maart 2027 om 10:00": the clinic's wall-clock time in the patient's language. */
export function formatWhen(instant: string, zone: string, locale: Locale): string {
  const { intl, at } = DATE_WORDS[locale];
  const key = `${intl} ${zone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(intl, {
      timeZone: zone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, formatter);
  }
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of formatter.formatToParts(new Date(instant))) part[type] = value;
  return `${part.weekday} ${part.day} ${part.month} ${part.year} ${at} ${part.hour}:${part.minute}`;
}

/** The address part of `Name <address>`. */
export function addressOf(mailbox: string): string {
  return /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox.trim();
}

interface Templates {
  subject: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
}

/**
 * Turns an outbox row into an email: which template, which data, which language. Templates
 * are files (templates/<locale>/<kind>.{text,html}.hbs, the first text line being the
 * subject); HTML is escaped by default, text is not (it is not HTML).
 */
export class EmailComposer {
  private readonly templates = new Map<string, Templates>();
  private readonly layout: HandlebarsTemplateDelegate;

  constructor(
    private readonly settings: ComposerSettings,
    directory = join(__dirname, 'templates'),
  ) {
    this.layout = Handlebars.compile(readFileSync(join(directory, 'layout.html.hbs'), 'utf8'), {
      strict: true,
    });
    for (const locale of ['en', 'nl'] as const) {
      const folder = join(directory, locale);
      const text = Handlebars.create();
      const html = Handlebars.create();
      for (const partial of ['prepare', 'contact']) {
        text.registerPartial(partial, readFileSync(join(folder, `_${partial}.text.hbs`), 'utf8'));
        html.registerPartial(partial, readFileSync(join(folder, `_${partial}.html.hbs`), 'utf8'));
      }
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.text.hbs') && !f.startsWith('_'))) {
        const kind = file.slice(0, -'.text.hbs'.length);
        const [subjectLine, ...body] = readFileSync(join(folder, file), 'utf8').split('\n');
        if (!subjectLine.startsWith('Subject: '))
          throw new Error(`${locale}/${file} must start with "Subject: "`);
        this.templates.set(`${locale}/${kind}`, {
          subject: text.compile(subjectLine.slice('Subject: '.length), { noEscape: true }),
          text: text.compile(body.join('\n').trimStart(), { noEscape: true }),
          html: html.compile(readFileSync(join(folder, `${kind}.html.hbs`), 'utf8')),
        });
      }
    }
  }

  /** The email for `email`'s row, as of `now` (a reminder says whether it can still change online). */
  compose(email: EmailToCompose, now = new Date()): ComposedEmail {
    const templates = this.templates.get(`${email.locale}/${email.kind}`);
    if (!templates) throw new Error(`no template for ${email.locale}/${email.kind}`);
    const { payload } = email;
    const zone = this.settings.clinicTimezone;
    const deadline =
      new Date(payload.startsAt).getTime() - this.settings.cancellationDeadlineHours * 3600_000;
    const data = {
      clinicName: this.settings.clinicName,
      clinicPhone: this.settings.clinicPhone,
      clinicAddress: this.settings.clinicAddress,
      changeableUntil:
        now.getTime() < deadline
          ? formatWhen(new Date(deadline).toISOString(), zone, email.locale)
          : undefined,
      firstName: payload.firstName,
      lastName: payload.lastName,
      reference: payload.reference,
      when: payload.startsAt ? formatWhen(payload.startsAt, zone, email.locale) : undefined,
      previousWhen: payload.previousStartsAt
        ? formatWhen(payload.previousStartsAt, zone, email.locale)
        : undefined,
      reason: payload.reason,
      deadlineHours: this.settings.cancellationDeadlineHours,
      // The token travels in the fragment, which browsers never send to a server (or its logs);
      // the page opens in the language of the email.
      manageUrl: email.token
        ? `${this.settings.publicBaseUrl}/manage/${payload.reference}?lang=${email.locale}#token=${encodeURIComponent(email.token)}`
        : this.settings.publicBaseUrl,
      rebookUrl: `${this.settings.publicBaseUrl}/book`,
      // booking_lookup: each upcoming booking with its own new link (the token is a sealed map).
      bookings: payload.bookings?.map((booking) => ({
        reference: booking.reference,
        when: formatWhen(booking.startsAt, zone, email.locale),
        manageUrl: `${this.settings.publicBaseUrl}/manage/${booking.reference}?lang=${email.locale}#token=${encodeURIComponent(
          (JSON.parse(email.token ?? '{}') as Record<string, string>)[booking.reference] ?? '',
        )}`,
      })),
    };
    const subject = templates.subject(data).trim();
    const composed: ComposedEmail = {
      subject,
      text: templates.text(data),
      html: this.layout({
        locale: email.locale,
        subject,
        clinicName: this.settings.clinicName,
        body: templates.html(data),
      }),
    };
    const method = INVITES[email.kind];
    if (method && email.bookingId) {
      composed.invite = {
        method,
        content: calendarInvite({
          method,
          uid: `${email.bookingId}@clinic-booking`,
          sequence: payload.sequence,
          start: new Date(payload.startsAt),
          end: new Date(payload.endsAt),
          summary:
            email.locale === 'nl'
              ? `B12-onderzoek – ${this.settings.clinicName}`
              : `B12 assessment – ${this.settings.clinicName}`,
          description: [payload.reference, this.settings.clinicPhone].filter(Boolean).join('\n'),
          location: [this.settings.clinicName, this.settings.clinicAddress].filter(Boolean).join(', '),
          organizer: { name: this.settings.clinicName, email: addressOf(this.settings.mailFrom) },
          attendee: { name: `${payload.firstName} ${payload.lastName}`, email: email.recipient },
        }),
      };
    }
    return composed;
  }
}
