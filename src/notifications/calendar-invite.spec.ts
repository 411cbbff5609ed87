import ICAL from 'ical.js';
import { calendarInvite, fold } from './calendar-invite';

const invite = {
  method: 'REQUEST' as const,
  uid: 'b1@clinic-booking',
  sequence: 2,
  start: new Date('2027-03-22T09:00:00Z'),
  end: new Date('2027-03-22T09:30:00Z'),
  summary: 'B12-onderzoek – Gold City Medical Center; één, twee\\drie 🩸 '.repeat(3),
  description: 'B12-ABCDEF\n+31 20 123 4567',
  location: 'Gold City Medical Center, Hoofdstraat 1',
  organizer: { name: 'Gold "City"', email: 'bookings@clinic.example' },
  attendee: { name: 'Anna de Vries', email: 'anna@example.nl' },
};

describe('calendarInvite', () => {
  it('folds long lines at 75 octets without splitting a character', () => {
    const folded = fold(`SUMMARY:${'é'.repeat(60)}🩸${'x'.repeat(80)}`);
    const lines = folded.split('\r\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(lines.slice(1).every((line) => line.startsWith(' '))).toBe(true);
    expect(lines.map((line, i) => (i === 0 ? line : line.slice(1))).join('')).toBe(
      `SUMMARY:${'é'.repeat(60)}🩸${'x'.repeat(80)}`,
    );
  });

  it('is read back by a real parser as written: escaped text, times in UTC, the parties', () => {
    const written = calendarInvite(invite, new Date('2027-01-01T12:00:00Z'));
    expect(written.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const calendar = new ICAL.Component(ICAL.parse(written));
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    const event = calendar.getFirstSubcomponent('vevent')!;
    expect(event.getFirstPropertyValue('uid')).toBe('b1@clinic-booking');
    expect(event.getFirstPropertyValue('sequence')).toBe(2);
    expect((event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2027-03-22T09:00:00.000Z',
    );
    expect((event.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2027-03-22T09:30:00.000Z',
    );
    expect((event.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2027-01-01T12:00:00.000Z',
    );
    expect(event.getFirstPropertyValue('summary')).toBe(invite.summary);
    expect(event.getFirstPropertyValue('description')).toBe(invite.description);
    expect(event.getFirstPropertyValue('location')).toBe(invite.location);
    expect(event.getFirstPropertyValue('status')).toBe('CONFIRMED');
    const organizer = event.getFirstProperty('organizer')!;
    expect(organizer.getParameter('cn')).toBe('Gold "City"');
    expect(organizer.getFirstValue()).toBe('mailto:bookings@clinic.example');
    const attendee = event.getFirstProperty('attendee')!;
    expect(attendee.getParameter('cn')).toBe('Anna de Vries');
    expect(attendee.getParameter('role')).toBe('REQ-PARTICIPANT');
    expect(attendee.getFirstValue()).toBe('mailto:anna@example.nl');
  });

  it('cancels with METHOD:CANCEL and STATUS:CANCELLED', () => {
    const calendar = new ICAL.Component(ICAL.parse(calendarInvite({ ...invite, method: 'CANCEL' })));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(calendar.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});
