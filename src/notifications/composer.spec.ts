import ICAL from 'ical.js';
import { emailToCompose, TEST_COMPOSER_SETTINGS } from '../../test/support/emails';
import { EmailComposer, formatWhen } from './composer';
import { NOTIFICATION_KINDS } from './notification.entity';

const composer = new EmailComposer(TEST_COMPOSER_SETTINGS);
const email = emailToCompose;

function parseInvite(content: string) {
  const calendar = new ICAL.Component(ICAL.parse(content));
  const event = calendar.getFirstSubcomponent('vevent')!;
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.getFirstPropertyValue('uid'),
    sequence: event.getFirstPropertyValue('sequence'),
    status: event.getFirstPropertyValue('status'),
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    end: (event.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
  };
}

describe('formatWhen', () => {
  it('writes clinic wall-clock time in the patient’s language, winter and summer', () => {
    expect(formatWhen('2027-03-09T09:00:00Z', 'Europe/Amsterdam', 'nl')).toBe(
      'dinsdag 9 maart 2027 om 10:00',
    );
    expect(formatWhen('2027-03-09T09:00:00Z', 'Europe/Amsterdam', 'en')).toBe(
      'Tuesday 9 March 2027 at 10:00',
    );
    expect(formatWhen('2027-07-06T08:00:00Z', 'Europe/Amsterdam', 'nl')).toBe('dinsdag 6 juli 2027 om 10:00');
  });
});

describe('EmailComposer', () => {
  it('writes the confirmation in English with time, reference, what to bring and the manage link', () => {
    const { subject, text, html } = composer.compose(email());
    expect(subject).toBe(
      'Your appointment at Gold City Medical Center is booked: Tuesday 9 March 2027 at 10:00 (B12-7KQ4M9)',
    );
    // HTML escapes "=" in the link as &#x3D; (still the same link to a browser).
    for (const part of [text, html.replaceAll('&#x3D;', '=')]) {
      expect(part).toContain('Gold City Medical Center');
      expect(part).toContain('B12-7KQ4M9');
      expect(part).toMatch(/methylmalonic acid \(MMA\), homocysteine and a full blood count/);
      expect(part).toMatch(/metformin/);
      expect(part).toContain('https://book.clinic.example/manage/B12-7KQ4M9?lang=en#token=tok_EN-123');
    }
    expect(text).not.toMatch(/<p>|&amp;/);
  });

  it('writes it in Dutch for a Dutch patient', () => {
    const { subject, text, html } = composer.compose(email({ locale: 'nl' }));
    expect(subject).toBe(
      'Uw afspraak bij Gold City Medical Center is geboekt: dinsdag 9 maart 2027 om 10:00 (B12-7KQ4M9)',
    );
    expect(text).toContain('Beste Anna de Vries');
    expect(text).toContain('methylmalonzuur (MMA)');
    expect(html).toContain('lang="nl"');
  });

  it('escapes what a patient typed in HTML, and keeps it as typed in text', () => {
    const payload = {
      ...email().payload,
      firstName: '<script>alert(1)</script>',
      lastName: 'O\'Brien & "Co"',
    };
    const { html, text } = composer.compose(email({ payload }));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('O&#x27;Brien &amp; &quot;Co&quot;');
    expect(text).toContain('<script>alert(1)</script> O\'Brien & "Co"');
  });

  it('attaches a REQUEST invite with one UID per booking that a calendar parser reads', () => {
    const { invite } = composer.compose(email());
    expect(invite!.method).toBe('REQUEST');
    expect(parseInvite(invite!.content)).toEqual({
      method: 'REQUEST',
      uid: '0f8fad5b-d9cb-469f-a165-70867728950e@clinic-booking',
      sequence: 0,
      status: 'CONFIRMED',
      start: '2027-03-09T09:00:00.000Z',
      end: '2027-03-09T09:30:00.000Z',
    });
  });

  it('keeps a hostile name inside the attendee’s CN (RFC 6868), so it adds no parameter, property or attendee', () => {
    const name =
      'Anna "x";ROLE=CHAIR;RSVP=TRUE:mailto:evil@attacker.test\r\nATTENDEE:mailto:evil@attacker.test ^';
    const { invite } = composer.compose(email({ payload: { ...email().payload, firstName: name } }));
    const event = new ICAL.Component(ICAL.parse(invite!.content)).getFirstSubcomponent('vevent')!;
    const attendees = event.getAllProperties('attendee');
    expect(attendees).toHaveLength(1);
    expect(attendees[0].getFirstValue()).toMatch(/^mailto:anna@example\.nl$/i);
    expect(attendees[0].getParameter('role')).toBe('REQ-PARTICIPANT');
    expect(attendees[0].getParameter('cn')).toBe(`${name.replace('\r\n', '\n')} de Vries`);
    expect(event.getAllProperties().filter((p) => p.name === 'attendee')).toHaveLength(1);
  });

  it('cancels with METHOD:CANCEL, the same UID and a higher SEQUENCE, and no manage link', () => {
    const cancelled = composer.compose(
      email({
        kind: 'booking_cancelled',
        token: undefined,
        payload: { ...email().payload, sequence: 1, reason: 'ill' },
      }),
    );
    expect(parseInvite(cancelled.invite!.content)).toMatchObject({
      method: 'CANCEL',
      uid: '0f8fad5b-d9cb-469f-a165-70867728950e@clinic-booking',
      sequence: 1,
      status: 'CANCELLED',
    });
    expect(cancelled.text).toContain('Reason: ill');
    expect(cancelled.text).not.toContain('#token=');
  });

  it('says where a rescheduled booking moved from and to', () => {
    const moved = composer.compose(
      email({
        kind: 'booking_rescheduled',
        locale: 'nl',
        payload: { ...email().payload, previousStartsAt: '2027-03-08T09:00:00.000Z', sequence: 1 },
      }),
    );
    expect(moved.text).toContain(
      'verzet van maandag 8 maart 2027 om 10:00 naar dinsdag 9 maart 2027 om 10:00',
    );
    expect(parseInvite(moved.invite!.content).sequence).toBe(1);
  });

  it('has every kind in both languages; the front-desk notice names patient, slot and reference, without invite', () => {
    for (const locale of ['en', 'nl'] as const) {
      for (const kind of NOTIFICATION_KINDS.filter((k) => k !== 'booking_lookup')) {
        const composed = composer.compose(
          email({
            kind,
            locale,
            payload: { ...email().payload, previousStartsAt: '2027-03-08T09:00:00.000Z' },
          }),
        );
        expect(composed.subject).toContain('B12-7KQ4M9');
        expect(composed.subject).toContain(locale === 'nl' ? 'maart 2027' : 'March 2027');
        expect(composed.text).toContain('B12-7KQ4M9');
        expect(composed.text).toMatch(/^(Dear|Beste|New|Nieuwe|The|De) /);
      }
    }
    const notice = composer.compose(email({ kind: 'staff_new_booking', token: undefined }));
    expect(notice.subject).toBe('New booking B12-7KQ4M9, Tuesday 9 March 2027 at 10:00');
    expect(notice.invite).toBeUndefined();
  });

  it('puts the clinic’s phone and address in every patient email and the invite’s location, none when unset', () => {
    const contact = new EmailComposer({
      clinicName: 'Gold City Medical Center',
      clinicPhone: '+31 20 123 4567',
      clinicAddress: 'Goudstraat 1, Gouda',
      clinicTimezone: 'Europe/Amsterdam',
      publicBaseUrl: 'https://book.clinic.example',
      cancellationDeadlineHours: 24,
      mailFrom: 'Gold City Medical Center <bookings@clinic.example>',
    });
    for (const locale of ['en', 'nl'] as const) {
      for (const kind of [
        'booking_confirmed',
        'booking_cancelled',
        'booking_rescheduled',
        'reminder',
        'slot_cancelled',
      ] as const) {
        const composed = contact.compose(email({ kind, locale }));
        expect(composed.text).toContain('+31 20 123 4567');
        expect(composed.text).toContain('Goudstraat 1, Gouda');
        expect(composed.html).toContain('+31 20 123 4567');
        expect(composed.html).toContain('Goudstraat 1, Gouda');
      }
    }
    const invite = contact.compose(email()).invite!.content.replace(/\r\n /g, '');
    expect(invite).toContain('LOCATION:Gold City Medical Center\\, Goudstraat 1\\, Gouda');
    expect(composer.compose(email()).text).not.toMatch(/Phone:/);
  });

  it('says in the reminder until when the booking can change online, or that it is too late and to call', () => {
    // The appointment is at 10:00 on 9 March; the deadline (24 h) is 10:00 on 8 March.
    const early = composer.compose(email({ kind: 'reminder' }), new Date('2027-03-07T09:00:00Z'));
    expect(early.text).toContain('until Monday 8 March 2027 at 10:00');
    const nl = composer.compose(email({ kind: 'reminder', locale: 'nl' }), new Date('2027-03-07T09:00:00Z'));
    expect(nl.text).toContain('tot maandag 8 maart 2027 om 10:00');
    const late = composer.compose(email({ kind: 'reminder' }), new Date('2027-03-08T09:30:00Z'));
    expect(late.text).toContain('too late to change this appointment online');
    expect(late.text).not.toContain('until');
  });

  it('lists a patient’s upcoming bookings in the lookup email, each with its own new link', () => {
    const lookup = composer.compose(
      email({
        kind: 'booking_lookup',
        bookingId: null,
        token: JSON.stringify({ 'B12-AAAAAA': 'tok-a', 'B12-BBBBBB': 'tok-b' }),
        payload: {
          ...email().payload,
          reference: '',
          startsAt: '',
          bookings: [
            { reference: 'B12-AAAAAA', startsAt: '2027-03-09T09:00:00.000Z' },
            { reference: 'B12-BBBBBB', startsAt: '2027-03-10T09:00:00.000Z' },
          ],
        },
      }),
    );
    expect(lookup.text).toContain('https://book.clinic.example/manage/B12-AAAAAA?lang=en#token=tok-a');
    expect(lookup.text).toContain('https://book.clinic.example/manage/B12-BBBBBB?lang=en#token=tok-b');
    expect(lookup.text).toContain('Wednesday 10 March 2027 at 10:00');
    expect(lookup.invite).toBeUndefined();
    const none = composer.compose(
      email({
        kind: 'booking_lookup',
        locale: 'nl',
        bookingId: null,
        token: '{}',
        payload: { ...email().payload, bookings: [] },
      }),
    );
    expect(none.text).toContain('geen komende afspraak');
    expect(none.text).toContain('https://book.clinic.example/book');
  });
});
