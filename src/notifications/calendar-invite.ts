export interface Invite {
  method: 'REQUEST' | 'CANCEL';
  /** One UID per booking, so calendars update or remove the same event. */
  uid: string;
  /** Goes up with each change, so calendars apply the newest. */
  sequence: number;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  location: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
}

/**
 * A parameter value (a CN) as RFC 6868 writes it: `^` as `^^`, `"` as `^'`, a line break as
 * `^n`, so that a name can neither end the quoted value nor the line (and add parameters or
 * properties of its own). Other control characters are dropped.
 */
export function encodeParameterValue(value: string): string {
  return value
    .replace(/\^/g, '^^')
    .replace(/"/g, "^'")
    .replace(/\r\n|\r|\n/g, '^n')
    .replace(/\p{Cc}/gu, '');
}

/** TEXT as RFC 5545 writes it: backslash, semicolon and comma escaped, line breaks as `\n`. */
function text(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

/** A UTC time as RFC 5545 writes it: 20270322T090000Z. */
function utc(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** UTF-8 octets of one code point. */
const octets = (codePoint: number) =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

/**
 * A content line folded as RFC 5545 asks: no line over 75 octets, a continuation starting with
 * one space, never inside a character's UTF-8 sequence.
 */
export function fold(line: string): string {
  let folded = '';
  let length = 0;
  for (const char of line) {
    const size = octets(char.codePointAt(0)!);
    length += size;
    if (length > 74) {
      folded += '\r\n ';
      length = size;
    }
    folded += char;
  }
  return folded;
}

/**
 * An iCalendar (RFC 5545) invite with times in UTC. Written here rather than with a library:
 * the invite is one fixed event, and ical-generator (10.x) took 0.35 ms to write one (it makes
 * a TextEncoder for each character it folds), a quarter of an email's whole cost.
 */
export function calendarInvite(invite: Invite, now = new Date()): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//clinic-booking//booking//EN',
    `METHOD:${invite.method}`,
    'BEGIN:VEVENT',
    `UID:${text(invite.uid)}`,
    `SEQUENCE:${invite.sequence}`,
    `DTSTAMP:${utc(now)}`,
    `DTSTART:${utc(invite.start)}`,
    `DTEND:${utc(invite.end)}`,
    `SUMMARY:${text(invite.summary)}`,
    `LOCATION:${text(invite.location)}`,
    `DESCRIPTION:${text(invite.description)}`,
    `ORGANIZER;CN="${encodeParameterValue(invite.organizer.name)}":mailto:${invite.organizer.email}`,
    `ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE;CN="${encodeParameterValue(invite.attendee.name)}":mailto:${invite.attendee.email}`,
    `STATUS:${invite.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n');
}
