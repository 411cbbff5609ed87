import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { violatedConstraint } from '../common/database-errors';
import { ConflictError, NotFoundError } from '../common/domain-error';
import { localeFromAcceptLanguage } from '../common/locale';
import { APP_CONFIG, AppConfig } from '../config/config';
import { UPSERT_PATIENT_SQL, type PatientDetails } from '../patients/patients.service';
import { SlotsService, takePlaceSql } from '../slots/slots.service';
import { hashToken, newManageToken, newReference, REFERENCE_PATTERN } from './booking-codes';
import { normalisePhone, type CreateBookingDto } from './dto/booking-input.dto';
import { BookingCreatedDto, BookingDto, BookingView, toBookingDto } from './dto/booking.dto';
import { IdempotencyService } from './idempotency.service';
import { RefusalHints } from './refusal-hints';
import { OutboxService } from '../notifications/outbox.service';

/**
 * A booking in one statement, so in one round trip to the database: the patient is found or
 * created ($1 to $6, as UPSERT_PATIENT_SQL), the booking inserted under reference $7 in slot $8
 * ($9 the manage token's hash, $10 the notes), and only then, when the booking row went in, one
 * place taken in the slot if it is open, not full and starts after $11. Each part reads the one
 * before it, so they run in that order and the slot's row is locked last. The row answers:
 * `id` null when reference $7 was already taken (draw another; nothing was written but the
 * patient), else `slotId` null when no place could be had (roll back). Also run by the
 * benchmark's baseline.
 */
export const BOOK_SQL = `
  WITH patient_row AS (${UPSERT_PATIENT_SQL}),
  new_booking AS (
    INSERT INTO booking (reference, slot_id, patient_id, manage_token_hash, notes)
    SELECT $7, $8, id, $9, $10 FROM patient_row
    ON CONFLICT (reference) DO NOTHING
    RETURNING id, created_at),
  place AS (${takePlaceSql('$8', '$11', 'EXISTS (SELECT FROM new_booking)')})
  SELECT new_booking.id, new_booking.created_at AS "createdAt",
         place.id AS "slotId", place."startsAt", place."endsAt"
  FROM patient_row LEFT JOIN new_booking ON true LEFT JOIN place ON true`;

/** What BOOK_SQL answers (see there). */
export interface BookRow {
  id: string | null;
  createdAt: Date | null;
  slotId: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
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

/** Thrown inside a transaction to roll it back when no place could be taken. */
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
   * Books a place, in one transaction: one statement finds or creates the patient, inserts the
   * booking and takes a place by a conditional update of the slot's count (so never past
   * capacity); then the emails go into the outbox and the transaction commits. The slot's row
   * is locked last, so on a popular slot bookings queue on that lock for as short a time as can
   * be: two round trips (the emails, the commit).
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
      // first, so a rush on a full slot costs one query per attempt, not a rolled-back
      // transaction. Other slots go straight to the transaction, which refuses just as well.
      if (this.refusals.has(dto.slotId)) {
        const reason = this.slots.unbookableReason(await this.slots.find(dto.slotId), now);
        if (reason) throw this.refused(dto.slotId, reason);
      }
      const body = await this.dataSource.transaction(async (manager) => {
        const { token, hash } = newManageToken();
        const { id, reference, createdAt, slot } = await this.bookPlace(manager, {
          details,
          slotId: dto.slotId,
          tokenHash: hash,
          notes: dto.notes ?? null,
          now,
        });
        if (!slot) throw new NoPlace(dto.slotId);
        const created: BookingCreatedDto = {
          ...toBookingDto({
            id,
            reference,
            status: 'booked',
            slotId: slot.id,
            startsAt: slot.startsAt,
            endsAt: slot.endsAt,
            firstName: details.firstName,
            lastName: details.lastName,
            email: details.email,
            createdAt,
          }),
          manageToken: token,
        };
        await this.outbox.booked(
          manager,
          { ...slotFacts(slot), id, reference, ...details, sequence: 0 },
          token,
          now,
        );
        if (key) await this.idempotency.complete(manager, key, 201, created, id);
        return created;
      });
      this.outbox.afterCommit();
      return { statusCode: 201, body };
    } catch (error) {
      if (key) await this.idempotency.release(key);
      if (error instanceof NoPlace)
        throw this.refused(error.slotId, await this.slots.whyNotBookable(error.slotId, now));
      // An unknown slot (or one that vanished before the insert).
      if (violatedConstraint(error) === 'booking_slot_fk')
        throw this.refused(dto.slotId, await this.slots.whyNotBookable(dto.slotId, now));
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
   * Finds or creates the patient, inserts the booking under a fresh reference (drawing again
   * on the rare collision) and takes a place, in one statement (BOOK_SQL). `slot` is undefined
   * when no place could be had: the caller then rolls back, booking and patient with it.
   */
  private async bookPlace(
    manager: EntityManager,
    booking: { details: PatientDetails; slotId: string; tokenHash: string; notes: string | null; now: Date },
  ): Promise<{
    id: string;
    reference: string;
    createdAt: Date;
    slot?: { id: string; startsAt: Date; endsAt: Date };
  }> {
    const { details } = booking;
    for (let attempt = 0; attempt < 5; attempt++) {
      const reference = newReference();
      const [row] = await manager.query<BookRow[]>(BOOK_SQL, [
        details.firstName,
        details.lastName,
        details.email,
        details.phone,
        details.dateOfBirth,
        details.locale,
        reference,
        booking.slotId,
        booking.tokenHash,
        booking.notes,
        this.slots.earliestBookableStart(booking.now),
      ]);
      if (row.id === null) continue;
      const slot =
        row.slotId === null ? undefined : { id: row.slotId, startsAt: row.startsAt!, endsAt: row.endsAt! };
      return { id: row.id, reference, createdAt: row.createdAt!, slot };
    }
    throw new Error('could not draw an unused booking reference in 5 attempts');
  }

  /** Remembers that `slotId` could not be booked, and answers why. */
  private refused(slotId: string, reason: Error): Error {
    this.refusals.note(slotId);
    return reason;
  }
}
