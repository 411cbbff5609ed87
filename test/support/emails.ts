import type { ComposerSettings, EmailToCompose } from '../../src/notifications/composer';

/** The clinic the email tests write as. */
export const TEST_COMPOSER_SETTINGS: ComposerSettings = {
  clinicName: 'Gold City Medical Center',
  clinicTimezone: 'Europe/Amsterdam',
  publicBaseUrl: 'https://book.clinic.example',
  cancellationDeadlineHours: 24,
  mailFrom: 'Gold City Medical Center <bookings@clinic.example>',
};

/** A confirmation to compose, for Tuesday 9 March 2027 at 10:00 in Amsterdam, with `overrides`. */
export const emailToCompose = (overrides: Partial<EmailToCompose> = {}): EmailToCompose => ({
  notificationId: 'n-1',
  bookingId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  kind: 'booking_confirmed',
  locale: 'en',
  recipient: 'anna@example.nl',
  token: 'tok_EN-123',
  payload: {
    reference: 'B12-7KQ4M9',
    slotId: 's-1',
    startsAt: '2027-03-09T09:00:00.000Z',
    endsAt: '2027-03-09T09:30:00.000Z',
    firstName: 'Anna',
    lastName: 'de Vries',
    sequence: 0,
  },
  ...overrides,
});
