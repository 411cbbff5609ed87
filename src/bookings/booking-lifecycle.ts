import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { ConflictError, invalidField, NotFoundError } from '../common/domain-error';
import { Metrics } from '../common/metrics';
import { APP_CONFIG, AppConfig, callTheClinic } from '../config/config';
import type { NotificationKind } from '../notifications/notification.entity';
import { OutboxService } from '../notifications/outbox.service';
import { PatientsService } from '../patients/patients.service';
import type { SlotRow } from '../slots/dto/slot.dto';
import { ClosuresService } from '../slots/closures.service';
import type { ClosureResultDto, CreateClosureDto } from '../slots/dto/closure.dto';
import { SlotsService } from '../slots/slots.service';
import { hashToken, newManageToken, REFERENCE_PATTERN } from './booking-codes';
import {
  bookedInSlot,
  bookingById,
  bookingByReference,
  bookingsOfPatient,
  type BookingState,
  patientIdentity,
  upcomingOfIdentity,
} from './booking.queries';
import { bookingIdentity, FORGET_QUOTA_SQL } from './booking-quota';
import { IdempotencyService } from './idempotency.service';
import { transaction } from '../common/transaction';

/** A booking as a patient names it (reference and manage token) or as staff do (id). */
export type BookingTarget = { reference: string; token: string | undefined } | { id: string };

/** No place could be taken in `slotId` (thrown to roll the transaction back; answered after). */
class NoPlace extends Error {
  constructor(readonly slotId: string) {
    super('no place');
  }
}

/** One "Lost your link?" email per address per this many minutes. */
export const LOOKUP_COOLDOWN_MINUTES = 10;

/** Compared against when no booking matches, so that a miss costs what a wrong token costs. */
const NO_BOOKING_HASH = hashToken('no booking has this token');

/**
 * The booking behind a reference and token: a wrong token and an unknown reference are the
 * same 404 (patients see only their own booking, never one by id alone).
 */
export async function bookingForToken(
  db: Pick<EntityManager, 'query'>,
  reference: string,
  token: string | undefined,
  lock = false,
): Promise<BookingState> {
  const normalised = reference.trim().toUpperCase();
  const booking = REFERENCE_PATTERN.test(normalised)
    ? await bookingByReference(db, normalised, lock)
    : undefined;
  const presented = Buffer.from(hashToken(typeof token === 'string' ? token : ''), 'hex');
  const expected = Buffer.from(booking?.manageTokenHash ?? NO_BOOKING_HASH, 'hex');
  if (!timingSafeEqual(presented, expected) || !booking || !token) {
    throw new NotFoundError('There is no booking with this reference and token.');
  }
  return booking;
}

/** Bookings cancelled in one transaction, by who cancelled them. */
type Cancellations = Partial<Record<'patient' | 'staff', number>>;

/**
 * Every change to an existing booking, one function per transition: cancel (by the patient,
 * by staff, with its slot), reschedule, attendance, a re-sent confirmation and erasure. Each runs in one transaction,
 * takes its locks in the one order (slots by id, then bookings, then the patient), frees or
 * takes places, writes the emails and the audit entry. Every caller goes through here, so
 * "free the place, write the emails, audit it" is written once (cancelLocked).
 */
@Injectable()
export class BookingLifecycle {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly slots: SlotsService,
    private readonly closures: ClosuresService,
    private readonly patients: PatientsService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Bookings cancelled in each transaction under way, counted once it commits. */
  private readonly cancellations = new WeakMap<EntityManager, Cancellations>();

  /** Cancels one booking: a patient until the deadline, staff at any time. */
  async cancel(
    target: BookingTarget,
    actor: Actor,
    reason?: string,
    now = new Date(),
  ): Promise<BookingState> {
    return this.change(async (manager) => {
      const booking = await this.lock(manager, target);
      this.assertChangeable(booking, actor, now);
      return this.cancelLocked(manager, booking, actor, reason, 'booking_cancelled');
    });
  }

  /**
   * Cancels a slot and every booked booking in it, all or nothing; each patient is sent a
   * slot_cancelled email with a calendar cancellation.
   */
  async cancelSlot(
    slotId: string,
    actor: Actor,
    reason: string,
  ): Promise<{ slot: SlotRow; cancelledBookings: number }> {
    return this.change(async (manager) => {
      await this.slots.lockInOrder(manager, [slotId]);
      const bookings = await bookedInSlot(manager, slotId);
      for (const booking of bookings)
        await this.cancelLocked(manager, booking, actor, reason, 'slot_cancelled');
      const slot = await this.slots.markCancelled(manager, slotId);
      if (!slot) {
        if (!(await this.slots.find(slotId))) throw new NotFoundError('There is no slot with this id.');
        throw new ConflictError('slot-cancelled', 'This slot is already cancelled.');
      }
      await this.audit.recordChange(manager, actor, 'slot.cancel', { type: 'slot', id: slotId });
      return { slot, cancelledBookings: bookings.length };
    });
  }

  /**
   * Closes the clinic on local dates, in one transaction: the closure is recorded (no slot is
   * created on those dates meanwhile or later), then every slot on them is closed to new
   * bookings, or, with `cancelBookings`, cancelled with each of its bookings (each patient sent
   * a slot_cancelled email with the closure's reason). A booking that took its place before the
   * slot was locked here is cancelled with it; one after finds the slot closed or cancelled.
   */
  async close(dto: CreateClosureDto, actor: Actor): Promise<ClosureResultDto> {
    return this.change(async (manager) => {
      const { closure, slotIds } = await this.closures.add(manager, dto);
      await this.slots.lockInOrder(manager, slotIds);
      const result = { ...closure, closedSlots: 0, cancelledSlots: 0, cancelledBookings: 0 };
      if (dto.cancelBookings) {
        for (const slotId of slotIds) {
          for (const booking of await bookedInSlot(manager, slotId)) {
            await this.cancelLocked(manager, booking, actor, dto.reason, 'slot_cancelled');
            result.cancelledBookings++;
          }
          if (await this.slots.markCancelled(manager, slotId)) result.cancelledSlots++;
        }
      } else {
        result.closedSlots = (await this.closures.closeSlots(manager, slotIds)).length;
      }
      await this.audit.recordChange(manager, actor, 'closure.create', { type: 'closure', id: closure.id });
      return result;
    });
  }

  /**
   * Moves a booking to another slot: the new place is taken first, and the old one freed only
   * then; if the new place cannot be had, nothing changes (the refusal says why). A patient
   * (by reference and token) keeps to the deadline, the minimum notice and the horizon, and the
   * front desk is told; staff (by id) move any booked booking to any slot not yet started, and
   * the patient's email carries a new manage link (staff never hold the patient's token), or,
   * with `notify` false, no email is sent.
   */
  async reschedule(
    target: BookingTarget,
    slotId: string,
    actor: Actor,
    { notify = true, now = new Date() }: { notify?: boolean; now?: Date } = {},
  ): Promise<BookingState> {
    const booker = actor.type === 'patient' ? 'patient' : 'staff';
    try {
      return await this.change(async (manager) => {
        const booking = await this.lock(manager, target, [slotId]);
        this.assertChangeable(booking, actor, now);
        if (booking.slotId === slotId)
          throw new ConflictError('same-slot', 'The booking is already in this slot.');
        const slot = await this.slots.takePlace(manager, slotId, now, booker);
        if (!slot) throw new NoPlace(slotId);
        // lock() checked a patient's token against the booking; staff's emails link with a new one.
        const link =
          'token' in target ? { token: target.token!, hash: booking.manageTokenHash } : newManageToken();
        await manager.query(
          `UPDATE booking SET slot_id = $2, ics_sequence = ics_sequence + 1, manage_token_hash = $3, updated_at = now()
           WHERE id = $1`,
          [booking.id, slotId, notify ? link.hash : booking.manageTokenHash],
        );
        await this.slots.releasePlace(manager, booking.slotId);
        const moved = {
          ...booking,
          slotId: slot.id,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          sequence: booking.sequence + 1,
        };
        if (notify) await this.outbox.rescheduled(manager, moved, booking.startsAt, link.token, now);
        else await this.outbox.skipPending(manager, booking.id);
        if (booker === 'patient')
          await this.outbox.toFrontDesk(manager, moved, 'staff_booking_rescheduled', booking.startsAt);
        await this.audit.recordChange(manager, actor, 'booking.reschedule', {
          type: 'booking',
          id: booking.id,
        });
        return moved;
      });
    } catch (error) {
      // Read after the rollback, on a connection of its own: why the new place could not be had.
      if (error instanceof NoPlace) throw await this.slots.whyNotBookable(error.slotId, now, booker);
      throw error;
    }
  }

  /**
   * "Lost your link?": when a patient has this email and date of birth, one email lists their
   * upcoming bookings, each with a new manage token (the old links stop working), at most once
   * per LOOKUP_COOLDOWN_MINUTES per address. Answers nothing either way: whether someone is a
   * patient is not told to whoever asks.
   */
  async sendLinks(email: string, dateOfBirth: string, actor: Actor, now = new Date()): Promise<void> {
    const patient = await this.patients.byIdentity(email, dateOfBirth);
    if (!patient) return;
    await this.change(async (manager) => {
      if (await this.outbox.lookedUpRecently(manager, patient.email, LOOKUP_COOLDOWN_MINUTES)) return;
      const relinked = [];
      for (const booking of await upcomingOfIdentity(manager, patient.email, dateOfBirth, now)) {
        const { token, hash } = newManageToken();
        await manager.query(`UPDATE booking SET manage_token_hash = $2, updated_at = now() WHERE id = $1`, [
          booking.id,
          hash,
        ]);
        await this.audit.recordChange(manager, actor, 'booking.relink', { type: 'booking', id: booking.id });
        relinked.push({ booking, token });
      }
      await this.outbox.lookup(manager, patient, relinked, now);
    });
  }

  /**
   * Re-sends a booking's confirmation (a patient lost it, or staff corrected the address) with a
   * new manage token: the old link stops working, and the confirmation and reminder are written
   * anew to the patient's current email.
   */
  async resend(id: string, actor: Actor, now = new Date()): Promise<BookingState> {
    return this.change(async (manager) => {
      const booking = await this.lock(manager, { id });
      if (booking.status !== 'booked') {
        throw new ConflictError(
          'booking-not-active',
          `This booking is ${booking.status.replace('_', '-')}; only a booked one's confirmation can be sent again.`,
        );
      }
      const { token, hash } = newManageToken();
      await manager.query(`UPDATE booking SET manage_token_hash = $2, updated_at = now() WHERE id = $1`, [
        id,
        hash,
      ]);
      await this.outbox.resent(manager, booking, token, now);
      await this.audit.recordChange(manager, actor, 'booking.resend', { type: 'booking', id });
      return { ...booking, manageTokenHash: hash };
    });
  }

  /**
   * Attendance: a booked booking is marked attended or no-show once its appointment has
   * started; a mark set by mistake is corrected (attended and no-show either way, or back to
   * booked) with a reason, which the audit entry keeps.
   */
  async setAttendance(
    id: string,
    status: 'attended' | 'no_show' | 'booked',
    actor: Actor,
    reason?: string,
    now = new Date(),
  ): Promise<BookingState> {
    return this.change(async (manager) => {
      const booking = await this.lock(manager, { id });
      if (booking.status === 'booked') {
        this.assertChangeable(booking, actor, now);
        if (status === 'booked')
          throw new ConflictError('booking-not-active', 'This booking is already booked.');
        if (booking.startsAt > now) {
          throw new ConflictError(
            'slot-not-started',
            'Attendance can be marked once the appointment has started.',
          );
        }
      } else {
        if (booking.status === 'cancelled') {
          throw new ConflictError(
            'booking-cancelled',
            'This booking is cancelled, and a cancelled booking stays cancelled.',
          );
        }
        if (booking.status === status) {
          throw new ConflictError(
            'booking-not-active',
            `This booking is already marked ${status.replace('_', '-')}.`,
          );
        }
        if (!reason) throw invalidField('reason', 'is required to correct an attendance mark');
      }
      await manager.query(`UPDATE booking SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
      await this.outbox.skipPending(manager, id);
      await this.audit.recordChange(manager, actor, `booking.${status}`, { type: 'booking', id }, reason);
      return { ...booking, status };
    });
  }

  /**
   * Erasure (GDPR art. 17) of a patient, in one transaction: their future bookings are
   * cancelled (places freed, nobody emailed), notes and reasons on all their bookings removed,
   * their emails redacted, stored idempotent answers and their booking quota forgotten, then the
   * patient's details.
   * Statuses stay, for statistics. Answers false when there was nothing to erase.
   */
  async erasePatient(patientId: string, actor: Actor, now = new Date()): Promise<boolean> {
    return this.change(async (manager) => {
      // The identity's quota row first: a booking of the same identity locks it before its slot.
      const identity = await patientIdentity(manager, patientId);
      if (identity)
        await manager.query(FORGET_QUOTA_SQL, [bookingIdentity(identity.email, identity.dateOfBirth)]);
      const bookings = await bookingsOfPatient(manager, patientId);
      const future = bookings.filter((b) => b.status === 'booked' && b.startsAt > now);
      await this.slots.lockInOrder(manager, [...new Set(future.map((b) => b.slotId))]);
      for (const booking of future) await this.slots.releasePlace(manager, booking.slotId);
      await manager.query(
        `UPDATE booking SET
           status = CASE WHEN id = ANY($2::uuid[]) THEN 'cancelled' ELSE status END,
           cancelled_at = CASE WHEN id = ANY($2::uuid[]) THEN now() ELSE cancelled_at END,
           cancelled_by = CASE WHEN id = ANY($2::uuid[]) THEN 'staff' ELSE cancelled_by END,
           notes = NULL, cancel_reason = NULL, first_name = NULL, last_name = NULL, phone = NULL,
           updated_at = now()
         WHERE patient_id = $1`,
        [patientId, future.map((b) => b.id)],
      );
      this.tally(manager, 'staff', future.length);
      const ids = bookings.map((b) => b.id);
      await this.outbox.redact(manager, ids, identity?.email);
      await this.idempotency.forget(manager, ids);
      await this.audit.forgetReasons(manager, ids);
      const erased = await this.patients.erase(manager, patientId);
      if (erased)
        await this.audit.recordChange(manager, actor, 'patient.erase', { type: 'patient', id: patientId });
      return erased;
    });
  }

  /**
   * The one way a booking is cancelled, inside the caller's transaction with its slot locked:
   * the status with who and why, the place freed, the patient's email (its unsent confirmation
   * and reminder skipped), the audit entry.
   */
  private async cancelLocked(
    manager: EntityManager,
    booking: BookingState,
    actor: Actor,
    reason: string | undefined,
    kind: NotificationKind,
  ): Promise<BookingState> {
    await manager.query(
      `UPDATE booking SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_by = $3,
         ics_sequence = ics_sequence + 1, updated_at = now()
       WHERE id = $1`,
      [booking.id, reason ?? null, actor.type === 'patient' ? 'patient' : 'staff'],
    );
    this.tally(manager, actor.type === 'patient' ? 'patient' : 'staff');
    await this.slots.releasePlace(manager, booking.slotId);
    const cancelled = { ...booking, status: 'cancelled' as const, sequence: booking.sequence + 1 };
    await this.outbox.cancelled(manager, cancelled, reason, kind);
    if (actor.type === 'patient')
      await this.outbox.toFrontDesk(manager, cancelled, 'staff_booking_cancelled', undefined, reason);
    await this.audit.recordChange(manager, actor, 'booking.cancel', { type: 'booking', id: booking.id });
    return cancelled;
  }

  /**
   * Runs a change in one transaction, then wakes this instance's dispatcher for its emails and
   * counts the bookings it cancelled (once committed).
   */
  private async change<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let cancelled: Cancellations | undefined;
    const result = await transaction(this.dataSource, async (manager) => {
      const done = await work(manager);
      cancelled = this.cancellations.get(manager);
      return done;
    });
    this.outbox.afterCommit();
    for (const [by, count] of Object.entries(cancelled ?? {}))
      this.metrics.bookingsCancelled.inc({ by }, count);
    return result;
  }

  /** Notes `count` bookings cancelled by `by` in the transaction of `manager`, for the metrics. */
  private tally(manager: EntityManager, by: 'patient' | 'staff', count = 1): void {
    const counts = this.cancellations.get(manager) ?? {};
    counts[by] = (counts[by] ?? 0) + count;
    this.cancellations.set(manager, counts);
  }

  /** Only a `booked` booking changes; a patient only until the cancellation deadline. */
  private assertChangeable(booking: BookingState, actor: Actor, now: Date): void {
    if (actor.type !== 'patient') {
      if (booking.status === 'cancelled') {
        throw new ConflictError(
          'booking-cancelled',
          'This booking is cancelled, and a cancelled booking stays cancelled.',
        );
      }
      if (booking.status !== 'booked') {
        throw new ConflictError(
          'booking-not-active',
          `This booking is already marked ${booking.status.replace('_', '-')}.`,
        );
      }
      return;
    }
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
        `Bookings can be changed online until ${this.config.cancellationDeadlineHours} hours before the appointment. ${callTheClinic(this.config)}`,
      );
    }
  }

  /**
   * The booking, locked for a change: its slot (and `otherSlotIds`) first, in id order, then
   * the booking; if it moved to another slot meanwhile, the change is refused.
   */
  private async lock(manager: EntityManager, target: BookingTarget, otherSlotIds: string[] = []) {
    const seen = await this.find(manager, target);
    await this.slots.lockInOrder(manager, [seen.slotId, ...otherSlotIds]);
    const locked = await this.find(manager, target, true);
    if (locked.slotId !== seen.slotId) {
      throw new ConflictError(
        'booking-changed',
        'The booking changed meanwhile. Please reload it and try again.',
      );
    }
    return locked;
  }

  private async find(manager: EntityManager, target: BookingTarget, lock = false): Promise<BookingState> {
    if ('reference' in target) return bookingForToken(manager, target.reference, target.token, lock);
    const booking = await bookingById(manager, target.id, lock);
    if (!booking) throw new NotFoundError('There is no booking with this id.');
    return booking;
  }
}
