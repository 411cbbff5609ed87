import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Locale } from '../common/locale';
import { SecretBox } from '../common/secret-box';
import { isoUtc, type Param } from '../common/sql';
import { APP_SECRET } from '../config/app-secret';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isFrontDeskKindSql, type NotificationKind, type NotificationPayload } from './notification.entity';
import { DispatcherSignal } from './dispatcher-signal';

/** What the outbox needs to know of a booking to write its emails. */
export interface BookingFacts {
  id: string;
  reference: string;
  slotId: string;
  startsAt: Date;
  endsAt: Date;
  firstName: string;
  lastName: string;
  email: string;
  locale: Locale;
  /** iCalendar SEQUENCE of the booking's event (after the change, when writing a change's email). */
  sequence: number;
}

interface Row {
  kind: NotificationKind;
  recipient: string;
  locale: 'en' | 'nl';
  notBefore?: Date;
  payload: NotificationPayload;
  token?: string;
}

/** What bookedEmailsSql writes besides the booking's own facts (OutboxService.bookedEmailValues). */
export interface BookedEmailValues {
  payload: string;
  secret: string;
  reminderHours: number;
  frontDesk: string | null;
  /** The front desk's language (STAFF_LOCALE). */
  staffLocale: Locale;
}

/**
 * A new booking's emails, a step of the statement that books it, so that they exist exactly
 * when the booking does: the confirmation, the reminder when its moment (the lead time before
 * the start) is after `now`, and the front-desk notice when there is a front desk. Reads the
 * row sources of the enclosing statement named in `from` (never input): the new booking (`id`,
 * `reference`), its slot (`"startsAt"`, `"endsAt"`) and its patient's record (`first_name`,
 * `last_name`: emails greet the record's name, never one a booking submitted).
 */
export function bookedEmailsSql(
  param: Param<'email' | 'locale' | 'now' | keyof BookedEmailValues>,
  from: { booking: string; slot: string; patient: string },
): string {
  const { booking, slot, patient } = from;
  const [recipient, locale, now] = [
    param('email', 'text'),
    param('locale', 'text'),
    param('now', 'timestamptz'),
  ];
  const secret = param('secret', 'text');
  return `
  INSERT INTO notification (booking_id, kind, recipient, locale, not_before, payload, secret)
  SELECT ${booking}.id, email.kind, email.recipient, email.locale, email.not_before,
         ${param('payload', 'jsonb')} || jsonb_build_object('reference', ${booking}.reference,
           'startsAt', ${isoUtc(`${slot}."startsAt"`)}, 'endsAt', ${isoUtc(`${slot}."endsAt"`)},
           'firstName', ${patient}.first_name, 'lastName', ${patient}.last_name),
         email.secret
  FROM ${booking}, ${slot}, ${patient}, LATERAL (VALUES
    ('booking_confirmed', ${recipient}, ${locale}, ${now}, ${secret}),
    ('reminder', ${recipient}, ${locale}, ${slot}."startsAt" - ${param('reminderHours', 'float8')} * interval '1 hour', ${secret}),
    ('staff_new_booking', ${param('frontDesk', 'text')}, ${param('staffLocale', 'text')}, ${now}, NULL)
  ) AS email (kind, recipient, locale, not_before, secret)
  WHERE email.recipient IS NOT NULL AND (email.kind <> 'reminder' OR email.not_before > ${now})`;
}

/**
 * Writes emails into the outbox inside the caller's transaction (a new booking's inside the
 * statement that books it: bookedEmailsSql), so an email exists exactly when the change that causes it
 * commits. Call `afterCommit()` once it has committed to wake this instance's dispatcher
 * (others find the rows on their next poll).
 */
@Injectable()
export class OutboxService {
  private readonly box: SecretBox;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_SECRET) secret: string,
    private readonly signal: DispatcherSignal,
  ) {
    this.box = new SecretBox(secret, 'notification-token');
  }

  /**
   * What `bookedEmailsSql` needs to write a new booking's emails: the payload without the
   * reference, the slot's times and the patient's names (the statement adds them), the manage
   * token sealed, the reminder's lead time and the front desk's address (null: no notice).
   */
  bookedEmailValues(slotId: string, token: string): BookedEmailValues {
    const payload: Omit<NotificationPayload, 'reference' | 'startsAt' | 'endsAt' | 'firstName' | 'lastName'> =
      {
        slotId,
        sequence: 0,
      };
    return {
      payload: JSON.stringify(payload),
      secret: this.box.seal(token),
      reminderHours: this.config.reminderHoursBefore,
      frontDesk: this.config.frontDeskEmail ?? null,
      staffLocale: this.config.staffLocale,
    };
  }

  async cancelled(
    manager: EntityManager,
    booking: BookingFacts,
    reason?: string,
    kind: NotificationKind = 'booking_cancelled',
  ) {
    await this.skipPending(manager, booking.id);
    await this.write(manager, booking.id, [
      {
        kind,
        recipient: booking.email,
        locale: booking.locale,
        payload: { ...this.payload(booking), reason },
      },
    ]);
  }

  async rescheduled(
    manager: EntityManager,
    booking: BookingFacts,
    previousStartsAt: Date,
    token: string,
    now = new Date(),
  ): Promise<void> {
    const payload = { ...this.payload(booking), previousStartsAt: previousStartsAt.toISOString() };
    await this.replacePending(manager, booking, 'booking_rescheduled', payload, token, now);
  }

  /**
   * A confirmation sent again with a new manage token: the unsent confirmation and reminder
   * (whose links carry the old token) are skipped, and both written anew with the new one.
   */
  async resent(
    manager: EntityManager,
    booking: BookingFacts,
    token: string,
    now = new Date(),
  ): Promise<void> {
    await this.replacePending(manager, booking, 'booking_confirmed', this.payload(booking), token, now);
  }

  /**
   * The booking's state changed under a new link or time: its unsent confirmation and reminder
   * are skipped, and `kind` is written with a new reminder, both linking with `token`.
   */
  private async replacePending(
    manager: EntityManager,
    booking: BookingFacts,
    kind: NotificationKind,
    payload: NotificationPayload,
    token: string,
    now: Date,
  ): Promise<void> {
    await this.skipPending(manager, booking.id);
    await this.write(manager, booking.id, [
      { kind, recipient: booking.email, locale: booking.locale, payload, token },
      ...this.reminder(booking, this.payload(booking), token, now),
    ]);
  }

  /**
   * "Lost your link?": one email to a patient listing their upcoming bookings, each with the
   * fresh manage token it was just given (`links`: reference → token, sealed together); each
   * booking's unsent confirmation and reminder (with the old link) are skipped, and its reminder
   * written anew with the new one.
   */
  async lookup(
    manager: EntityManager,
    patient: { email: string; locale: Locale; firstName: string; lastName: string },
    bookings: { booking: BookingFacts; token: string }[],
    now = new Date(),
  ): Promise<void> {
    for (const { booking, token } of bookings) {
      await this.skipPending(manager, booking.id);
      await this.write(manager, booking.id, this.reminder(booking, this.payload(booking), token, now));
    }
    const payload: NotificationPayload = {
      reference: '',
      slotId: '',
      startsAt: '',
      endsAt: '',
      firstName: patient.firstName,
      lastName: patient.lastName,
      sequence: 0,
      bookings: bookings.map(({ booking }) => ({
        reference: booking.reference,
        startsAt: booking.startsAt.toISOString(),
      })),
    };
    const links = JSON.stringify(
      Object.fromEntries(bookings.map(({ booking, token }) => [booking.reference, token])),
    );
    await manager.query(
      `INSERT INTO notification (booking_id, kind, recipient, locale, payload, secret)
       VALUES (NULL, 'booking_lookup', $1, $2, $3::jsonb, $4)`,
      [patient.email, patient.locale, JSON.stringify(payload), this.box.seal(links)],
    );
  }

  /** Whether a lookup email went to `email` in the last `minutes` (then none is sent again yet). */
  async lookedUpRecently(manager: EntityManager, email: string, minutes: number): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM notification WHERE kind = 'booking_lookup' AND recipient = $1
         AND created_at > now() - make_interval(mins => $2) LIMIT 1`,
      [email, minutes],
    );
    return rows.length > 0;
  }

  /**
   * Tells the front desk (FRONT_DESK_EMAIL, in STAFF_LOCALE; nothing when unset) of a patient's
   * own change: a cancellation (with the patient's reason) or a reschedule (from
   * `previousStartsAt`).
   */
  async toFrontDesk(
    manager: EntityManager,
    booking: BookingFacts,
    kind: 'staff_booking_cancelled' | 'staff_booking_rescheduled',
    previousStartsAt?: Date,
    reason?: string,
  ): Promise<void> {
    if (!this.config.frontDeskEmail) return;
    await this.write(manager, booking.id, [
      {
        kind,
        recipient: this.config.frontDeskEmail,
        locale: this.config.staffLocale,
        payload: { ...this.payload(booking), previousStartsAt: previousStartsAt?.toISOString(), reason },
      },
    ]);
  }

  /**
   * The booking left its state (cancelled, moved, attended): its unsent confirmation and
   * reminder would now be wrong, so they are skipped in the same transaction. One that a
   * dispatcher holds (under its lease) is being sent and is left to it: if that send fails, the
   * next claim finds the booking changed and skips it then. Touching it here would make this
   * change wait for the dispatcher's record of a batch, which may wait for this change's other
   * rows: a deadlock.
   */
  async skipPending(manager: EntityManager, bookingId: string): Promise<void> {
    await manager.query(
      `UPDATE notification SET status = 'skipped', secret = NULL, last_error = 'booking changed before sending',
         updated_at = now()
       WHERE booking_id = $1 AND kind IN ('booking_confirmed', 'reminder') AND status IN ('pending', 'failed')
         AND (locked_until IS NULL OR locked_until < now())`,
      [bookingId],
    );
  }

  /**
   * Erasure: the emails of these bookings lose every personal detail (recipient, names, sealed
   * token, error text that may quote an address); unsent ones are skipped, so nothing is sent
   * after an erasure. Kind, status and times stay for statistics.
   */
  async redact(manager: EntityManager, bookingIds: string[], email?: string): Promise<void> {
    await manager.query(
      `UPDATE notification SET
         recipient = CASE WHEN ${isFrontDeskKindSql('kind')} THEN recipient ELSE 'erased@invalid' END,
         payload = payload || '{"firstName": "", "lastName": "", "reason": null}'::jsonb,
         secret = NULL, last_error = NULL,
         status = CASE WHEN status IN ('pending', 'failed') THEN 'skipped' ELSE status END,
         updated_at = now()
       WHERE booking_id = ANY($1::uuid[]) OR (kind = 'booking_lookup' AND recipient = $2)`,
      [bookingIds, email ?? null],
    );
  }

  afterCommit(): void {
    this.signal.wake();
  }

  private reminder(booking: BookingFacts, payload: NotificationPayload, token: string, now: Date): Row[] {
    const due = new Date(booking.startsAt.getTime() - this.config.reminderHoursBefore * 3600_000);
    if (due <= now) return [];
    return [
      { kind: 'reminder', recipient: booking.email, locale: booking.locale, notBefore: due, payload, token },
    ];
  }

  private payload(booking: BookingFacts): NotificationPayload {
    return {
      reference: booking.reference,
      slotId: booking.slotId,
      startsAt: booking.startsAt.toISOString(),
      endsAt: booking.endsAt.toISOString(),
      firstName: booking.firstName,
      lastName: booking.lastName,
      sequence: booking.sequence,
    };
  }

  private async write(manager: EntityManager, bookingId: string, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    // The rows of one change share their payload and token (a confirmation and its reminder):
    // each is serialised and sealed once, and the rows store the same text.
    const payloads = new Map<NotificationPayload, string>();
    const secrets = new Map<string, string>();
    const once = <K, V>(cache: Map<K, V>, key: K, make: (key: K) => V): V => {
      if (!cache.has(key)) cache.set(key, make(key));
      return cache.get(key)!;
    };
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      values.push(
        bookingId,
        row.kind,
        row.recipient,
        row.locale,
        row.notBefore ?? new Date(),
        once(payloads, row.payload, (payload) => JSON.stringify(payload)),
        row.token ? once(secrets, row.token, (token) => this.box.seal(token)) : null,
      );
      const n = values.length;
      return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n})`;
    });
    await manager.query(
      `INSERT INTO notification (booking_id, kind, recipient, locale, not_before, payload, secret) VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  /** The manage token sealed into a row, or undefined. */
  openSecret(sealed: string | null): string | undefined {
    return sealed ? this.box.open(sealed) : undefined;
  }
}
