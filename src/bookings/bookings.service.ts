import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { violatedConstraint } from '../common/database-errors';
import { ConflictError, NotFoundError } from '../common/domain-error';
import { localeFromAcceptLanguage } from '../common/locale';
import { APP_CONFIG, AppConfig } from '../config/config';
import { upsertPatientSql, type PatientDetails } from '../patients/patients.service';
import { SlotsService, takePlaceSql } from '../slots/slots.service';
import { hashToken, newManageToken, newReference, REFERENCE_PATTERN } from './booking-codes';
import { normalisePhone, type CreateBookingDto } from './dto/booking-input.dto';
import { BookingCreatedDto, BookingDto, BookingView, toBookingDto } from './dto/booking.dto';
import { IdempotencyService } from './idempotency.service';
import { RefusalHints } from './refusal-hints';
import { bookedEmailsSql, type BookedEmailValues, OutboxService } from '../notifications/outbox.service';

/**
 * A booking in one statement: one round trip to the database and, outside a transaction,
 * atomic by itself. One place is taken in slot $8 if it is open, not full and starts after
 * $11; only then are the patient found or created ($1 to $6, as upsertPatientSql), the booking
 * inserted under reference $7 ($9 the manage token's hash, $10 the notes) and its emails
 * written ($12 now; $13 to $16 BookedEmailValues in order). Each part reads the one before it,
 * so they run in that order, and the slot's row is locked first, as everywhere (slots, then
 * bookings and patients). The row answers `id` null when no place could be had: then nothing
 * was written. A reference already taken fails the statement (booking_reference_unique),
 * writing nothing: draw another. Also run by the benchmark's baseline.
 */
export const BOOK_SQL = `
  WITH place AS (${takePlaceSql('$8', '$11')}),
  patient_row AS (${upsertPatientSql('FROM place')}),
  new_booking AS (
    INSERT INTO booking (reference, slot_id, patient_id, manage_token_hash, notes)
    SELECT $7, place.id, patient_row.id, $9, $10 FROM place, patient_row
    RETURNING id, reference, created_at),
  emails AS (${bookedEmailsSql({
    recipient: '$3',
    locale: '$6',
    now: '$12',
    values: { payload: '$13', secret: '$14', reminderHours: '$15', frontDesk: '$16' },
  })})
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place."startsAt", place."endsAt"
  FROM (SELECT) AS answer LEFT JOIN new_booking ON true LEFT JOIN place ON true`;

/** What BOOK_SQL answers (see there): all null when no place could be had. */
export interface BookRow {
  id: string | null;
  createdAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

/** BOOK_SQL's parameters, in order. */
export function bookParameters(booking: {
  details: PatientDetails;
  reference: string;
  slotId: string;
  tokenHash: string;
  notes: string | null;
  earliest: Date;
  now: Date;
  emails: BookedEmailValues;
}): unknown[] {
  const { details, emails } = booking;
  return [
    details.firstName,
    details.lastName,
    details.email,
    details.phone,
    details.dateOfBirth,
    details.locale,
    booking.reference,
    booking.slotId,
    booking.tokenHash,
    booking.notes,
    booking.earliest,
    booking.now,
    emails.payload,
    emails.secret,
    emails.reminderHours,
    emails.frontDesk,
  ];
}

/** A booking with its slot and patient, for the patient-facing and staff flows. */
export const BOOKING_VIEW = `
  SELECT b.id, b.reference, b.status, b.slot_id AS "slotId", s.starts_at AS "startsAt", s.ends_at AS "endsAt",
         p.first_name AS "firstName", p.last_name AS "lastName", p.email, p.locale, b.created_at AS "createdAt",
         b.manage_token_hash AS "manageTokenHash", b.ics_sequence AS "sequence"
  FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id`;

export interface PatientBooking {
  id: string;
  reference: string;
  status: string;
  slotId: string;
  startsAt: Date;
  endsAt: Date;
  notes: string | null;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelReason: string | null;
  cancelledBy: string | null;
}

export type ManagedBooking = BookingView & { manageTokenHash: string; locale: 'en' | 'nl'; sequence: number };

/** Compared against when no booking matches, so that a miss costs what a wrong token costs. */
const NO_BOOKING_HASH = hashToken('no booking has this token');

function slotFacts(slot: { id: string; startsAt: Date; endsAt: Date }) {
  return { slotId: slot.id, startsAt: slot.startsAt, endsAt: slot.endsAt };
}

/** No place could be taken (a transaction it is thrown in rolls back). */
class NoPlace extends Error {
  constructor(readonly slotId: string) {
    super('no place');
  }
}

export interface BookingAnswer {
  statusCode: number;
  body: BookingCreatedDto;
}

@Injectable()
export class BookingsService {
  private readonly refusals = new RefusalHints();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly slots: SlotsService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Books a place. Without an Idempotency-Key that is one statement (BOOK_SQL), atomic by
   * itself: the place is taken by a conditional update of the slot's count (so never past
   * capacity), then the patient, the booking and its emails are written. On a popular slot,
   * bookings queue on the slot's row for that statement and its commit only. With a key, the
   * statement and the stored answer share a transaction, so a retry finds both or neither.
   */
  async book(
    dto: CreateBookingDto,
    request: { idempotencyKey?: string; acceptLanguage?: string },
    now = new Date(),
  ): Promise<BookingAnswer> {
    const key = request.idempotencyKey;
    if (key) {
      const claim = await this.idempotency.claim(key, this.idempotency.hashRequest(dto));
      if (claim.kind === 'replay')
        return { statusCode: claim.statusCode, body: claim.body as BookingCreatedDto };
    }
    const details = {
      firstName: dto.patient.firstName,
      lastName: dto.patient.lastName,
      email: dto.patient.email.toLowerCase(),
      phone: normalisePhone(dto.patient.phone)!,
      dateOfBirth: dto.patient.dateOfBirth,
      locale: dto.locale ?? localeFromAcceptLanguage(request.acceptLanguage) ?? 'en',
    };
    try {
      // A slot refused a moment ago (full, closed) is most likely still refused: read it
      // first, so a rush on a full slot costs one query per attempt, not a booking statement
      // that takes no place. Other slots go straight to the statement, which refuses as well.
      if (this.refusals.has(dto.slotId)) {
        const reason = this.slots.unbookableReason(await this.slots.find(dto.slotId), now);
        if (reason) throw this.refused(dto.slotId, reason);
      }
      const body = await this.bookPlace(dto, details, key, now);
      this.outbox.afterCommit();
      return { statusCode: 201, body };
    } catch (error) {
      if (key) await this.idempotency.release(key);
      if (error instanceof NoPlace)
        throw this.refused(error.slotId, await this.slots.whyNotBookable(error.slotId, now));
      throw error;
    }
  }

  async view(reference: string, token: string | undefined): Promise<BookingDto> {
    return toBookingDto(await this.findManaged(this.dataSource.manager, reference, token));
  }

  /** The patient cancels: the place is freed in the same transaction. */
  async cancel(reference: string, token: string | undefined, reason: string | undefined, now = new Date()) {
    const cancelled = await this.dataSource.transaction(async (manager) => {
      const booking = await this.lockManaged(manager, reference, token, []);
      this.assertChangeable(booking, now);
      await manager.query(
        `UPDATE booking SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_by = 'patient',
           ics_sequence = ics_sequence + 1, updated_at = now()
         WHERE id = $1`,
        [booking.id, reason ?? null],
      );
      await this.slots.releasePlace(manager, booking.slotId);
      await this.outbox.cancelled(manager, { ...booking, sequence: booking.sequence + 1 }, reason);
      return toBookingDto({ ...booking, status: 'cancelled' });
    });
    this.outbox.afterCommit();
    return cancelled;
  }

  /**
   * Moves the booking to another slot: the new place is taken first, and the old one freed
   * only then, in one transaction; if the new place cannot be had, nothing changes.
   */
  async reschedule(reference: string, token: string | undefined, slotId: string, now = new Date()) {
    try {
      const moved = await this.dataSource.transaction(async (manager) => {
        const booking = await this.lockManaged(manager, reference, token, [slotId]);
        this.assertChangeable(booking, now);
        if (booking.slotId === slotId)
          throw new ConflictError('same-slot', 'The booking is already in this slot.');
        const slot = await this.slots.takePlace(manager, slotId, now);
        if (!slot) throw new NoPlace(slotId);
        await manager.query(
          `UPDATE booking SET slot_id = $2, ics_sequence = ics_sequence + 1, updated_at = now() WHERE id = $1`,
          [booking.id, slotId],
        );
        await this.slots.releasePlace(manager, booking.slotId);
        const moved = { ...booking, ...slotFacts(slot), sequence: booking.sequence + 1 };
        // The token was checked against the booking by lockManaged; the new emails link with it.
        await this.outbox.rescheduled(manager, moved, booking.startsAt, token!, now);
        return toBookingDto(moved);
      });
      this.outbox.afterCommit();
      return moved;
    } catch (error) {
      if (error instanceof NoPlace) throw await this.slots.whyNotBookable(error.slotId, now);
      throw error;
    }
  }

  /** A patient's bookings, newest appointment first, for the front desk and GDPR export. */
  async forPatient(patientId: string): Promise<PatientBooking[]> {
    return this.dataSource.query<PatientBooking[]>(
      `SELECT b.id, b.reference, b.status, b.slot_id AS "slotId", s.starts_at AS "startsAt", s.ends_at AS "endsAt",
              b.notes, b.created_at AS "createdAt", b.cancelled_at AS "cancelledAt", b.cancel_reason AS "cancelReason",
              b.cancelled_by AS "cancelledBy"
       FROM booking b JOIN slot s ON s.id = b.slot_id
       WHERE b.patient_id = $1 ORDER BY s.starts_at DESC, b.id`,
      [patientId],
    );
  }

  /**
   * Erasure, inside the caller's transaction: the patient's future bookings are cancelled
   * (their places freed, nobody emailed), notes and reasons on all their bookings removed,
   * their emails redacted and stored idempotent answers forgotten. Statuses stay.
   */
  async eraseForPatient(manager: EntityManager, patientId: string, now = new Date()): Promise<void> {
    const bookings = await manager.query<{ id: string; slotId: string; status: string; startsAt: Date }[]>(
      `SELECT b.id, b.slot_id AS "slotId", b.status, s.starts_at AS "startsAt"
       FROM booking b JOIN slot s ON s.id = b.slot_id WHERE b.patient_id = $1`,
      [patientId],
    );
    const future = bookings.filter((b) => b.status === 'booked' && b.startsAt > now);
    await this.slots.lockInOrder(manager, [...new Set(future.map((b) => b.slotId))]);
    for (const booking of future) await this.slots.releasePlace(manager, booking.slotId);
    await manager.query(
      `UPDATE booking SET
         status = CASE WHEN id = ANY($2::uuid[]) THEN 'cancelled' ELSE status END,
         cancelled_at = CASE WHEN id = ANY($2::uuid[]) THEN now() ELSE cancelled_at END,
         cancelled_by = CASE WHEN id = ANY($2::uuid[]) THEN 'staff' ELSE cancelled_by END,
         notes = NULL, cancel_reason = NULL, updated_at = now()
       WHERE patient_id = $1`,
      [patientId, future.map((b) => b.id)],
    );
    const ids = bookings.map((b) => b.id);
    await this.outbox.redact(manager, ids);
    await this.idempotency.forget(manager, ids);
  }

  private assertChangeable(booking: ManagedBooking, now: Date): void {
    if (booking.status !== 'booked') {
      throw new ConflictError(
        'booking-not-active',
        `This booking is ${booking.status.replace('_', '-')}; it can no longer change.`,
      );
    }
    const deadline = now.getTime() + this.config.cancellationDeadlineHours * 3600_000;
    if (booking.startsAt.getTime() <= deadline) {
      throw new ConflictError(
        'deadline-passed',
        `Bookings can be changed online until ${this.config.cancellationDeadlineHours} hours before the appointment. Please call the clinic.`,
      );
    }
  }

  /**
   * The booking behind a reference and token, locked for a change. Locks are taken in one
   * order everywhere (slots by id, then the booking), so concurrent changes never deadlock.
   */
  private async lockManaged(
    manager: EntityManager,
    reference: string,
    token: string | undefined,
    otherSlotIds: string[],
  ): Promise<ManagedBooking> {
    const seen = await this.findManaged(manager, reference, token);
    await this.slots.lockInOrder(manager, [seen.slotId, ...otherSlotIds]);
    const locked = await this.findManaged(manager, reference, token, true);
    if (locked.slotId !== seen.slotId) {
      throw new ConflictError(
        'booking-changed',
        'The booking changed meanwhile. Please reload it and try again.',
      );
    }
    return locked;
  }

  /** By reference and token only: a wrong token and an unknown reference are the same 404. */
  private async findManaged(
    db: EntityManager,
    reference: string,
    token: string | undefined,
    forUpdate = false,
  ): Promise<ManagedBooking> {
    const normalised = reference.trim().toUpperCase();
    const [booking] = REFERENCE_PATTERN.test(normalised)
      ? await db.query<ManagedBooking[]>(
          `${BOOKING_VIEW} WHERE b.reference = $1${forUpdate ? ' FOR UPDATE OF b' : ''}`,
          [normalised],
        )
      : [];
    const presented = Buffer.from(hashToken(typeof token === 'string' ? token : ''), 'hex');
    const expected = Buffer.from(booking?.manageTokenHash ?? NO_BOOKING_HASH, 'hex');
    if (!timingSafeEqual(presented, expected) || !booking || !token) {
      throw new NotFoundError('There is no booking with this reference and token.');
    }
    return booking;
  }

  /**
   * Runs BOOK_SQL under a fresh reference, drawing again on the rare collision (the failed
   * statement wrote nothing), inside a transaction with the stored answer when there is an
   * idempotency key. Throws NoPlace when no place could be had.
   */
  private async bookPlace(
    dto: CreateBookingDto,
    details: PatientDetails,
    key: string | undefined,
    now: Date,
  ): Promise<BookingCreatedDto> {
    const { token, hash } = newManageToken();
    const emails = this.outbox.bookedEmailValues({ slotId: dto.slotId, ...details }, token);
    const earliest = this.slots.earliestBookableStart(now);
    for (let attempt = 1; ; attempt++) {
      const reference = newReference();
      const parameters = bookParameters({
        details,
        reference,
        slotId: dto.slotId,
        tokenHash: hash,
        notes: dto.notes ?? null,
        earliest,
        now,
        emails,
      });
      const book = async (db: EntityManager): Promise<BookingCreatedDto> => {
        const [row] = await db.query<BookRow[]>(BOOK_SQL, parameters);
        if (row.id === null) throw new NoPlace(dto.slotId);
        const created: BookingCreatedDto = {
          ...toBookingDto({
            id: row.id,
            reference,
            status: 'booked',
            slotId: dto.slotId,
            startsAt: row.startsAt!,
            endsAt: row.endsAt!,
            firstName: details.firstName,
            lastName: details.lastName,
            email: details.email,
            createdAt: row.createdAt!,
          }),
          manageToken: token,
        };
        if (key) await this.idempotency.complete(db, key, 201, created, row.id);
        return created;
      };
      try {
        return key ? await this.dataSource.transaction(book) : await book(this.dataSource.manager);
      } catch (error) {
        if (attempt < 5 && violatedConstraint(error) === 'booking_reference_unique') continue;
        throw error;
      }
    }
  }

  /** Remembers that `slotId` could not be booked, and answers why. */
  private refused(slotId: string, reason: Error): Error {
    this.refusals.note(slotId);
    return reason;
  }
}
