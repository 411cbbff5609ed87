import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { violatedConstraint } from '../common/database-errors';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { ConflictError, DomainError, invalidField, NotFoundError } from '../common/domain-error';
import { Metrics } from '../common/metrics';
import { type Locale, localeFromAcceptLanguage } from '../common/locale';
import { runSql, updateReturning } from '../common/sql';
import { APP_CONFIG, AppConfig, callTheClinic } from '../config/config';
import { OutboxService } from '../notifications/outbox.service';
import { type PatientDetails, PatientsService } from '../patients/patients.service';
import { SlotsService } from '../slots/slots.service';
import { BOOK, type BookRow, STAFF_BOOK } from './book.statement';
import { newManageToken, newReference } from './booking-codes';
import { bookingIdentity, PRUNE_QUOTAS_SQL, RELEASE_QUOTA_SQL } from './booking-quota';
import { bookingForToken } from './booking-lifecycle';
import { toBookingDto } from './booking.queries';
import { normalisePhone } from '../common/phone';
import type { StaffBookingDto } from './dto/admin-booking.dto';
import type { CreateBookingDto, PatientDto } from './dto/booking-input.dto';
import { BookingCreatedDto, BookingDto } from './dto/booking.dto';
import { IdempotencyService } from './idempotency.service';
import { RefusalHints } from './refusal-hints';
import { retryingConflicts, transaction } from '../common/transaction';

/** No place could be taken (a transaction it is thrown in rolls back). */
class NoPlace extends Error {
  constructor(
    readonly slotId: string,
    readonly quota?: { identity: string; bookingId: string },
  ) {
    super('no place');
  }
}

export interface BookingAnswer {
  statusCode: number;
  body: BookingCreatedDto;
}

/** Booking a place (the booking statement, idempotent retries) and the patient's view of it. */
@Injectable()
export class BookingsService {
  private readonly refusals = new RefusalHints();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly slots: SlotsService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxService,
    private readonly patients: PatientsService,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Books a place. Without an Idempotency-Key that is one statement (BOOK), atomic by
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
    const details = this.detailsOf(
      dto.patient,
      dto.locale ?? localeFromAcceptLanguage(request.acceptLanguage) ?? 'en',
    );
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
      this.metrics.bookingsMade.inc({ source: 'online' });
      return { statusCode: 201, body };
    } catch (error) {
      if (key) await this.idempotency.release(key);
      if (!(error instanceof NoPlace)) throw this.counted(error);
      // The quota's entry for this attempt is given back, so that a refused attempt does not
      // count against the patient's limit (inside a transaction it was rolled back already).
      await runSql(this.dataSource, RELEASE_QUOTA_SQL, [error.quota!.identity, error.quota!.bookingId]);
      throw this.counted(this.refused(error.slotId, await this.slots.whyNotBookable(error.slotId, now)));
    }
  }

  /** Forgets the booking quotas of people with no upcoming booking (a scheduled job). */
  async pruneQuotas(): Promise<number> {
    return (await updateReturning(this.dataSource, PRUNE_QUOTAS_SQL, [])).length;
  }

  /** The patient's booking, by reference and manage token. */
  async view(reference: string, token: string | undefined): Promise<BookingDto> {
    return toBookingDto(await bookingForToken(this.dataSource.manager, reference, token));
  }

  /**
   * A booking staff make for a patient on the phone (STAFF_BOOK): for a known patient (by id)
   * or one given by details; any slot that has not started (no minimum notice, no horizon), the
   * capacity still decided by the slot's conditional update; no booking limit; source `staff`;
   * with `notify`, the confirmation and the reminder as for an online booking. Audited in the
   * same transaction. Answers the new booking's id.
   */
  async bookByStaff(dto: StaffBookingDto, actor: Actor, now = new Date()): Promise<string> {
    if (dto.patient && dto.patientId)
      throw invalidField('patientId', 'must not be given together with patient details');
    if (!dto.patient && !dto.patientId)
      throw invalidField('patient', 'is required: the patient’s details, or patientId for a known patient');
    let details: PatientDetails;
    if (dto.patientId) {
      const record = await this.patients.details(dto.patientId);
      if (!record) throw new NotFoundError('There is no patient with this id.');
      details = { ...record, locale: dto.locale ?? record.locale };
    } else {
      details = this.detailsOf(dto.patient!, dto.locale ?? this.config.staffLocale);
    }
    const variant =
      STAFF_BOOK[dto.patientId ? 'known' : 'details'][dto.notify === false ? 'silent' : 'notify'];
    const { token, hash } = newManageToken();
    const fixed = {
      ...details,
      ...this.outbox.bookedEmailValues(dto.slotId, token),
      ...this.slots.bookableWindow(now, 'staff'),
      frontDesk: null,
      bookingId: randomUUID(),
      patientId: dto.patientId,
      slotId: dto.slotId,
      tokenHash: hash,
      notes: dto.notes ?? null,
      now,
    };
    try {
      const id = await this.withFreshReference((reference) =>
        transaction(this.dataSource, async (manager) => {
          const [row] = await runSql<BookRow[]>(manager, variant, variant.values({ ...fixed, reference }));
          if (!row.patientFound) throw new NotFoundError('There is no patient with this id.');
          if (row.id === null) throw new NoPlace(dto.slotId);
          await this.audit.recordChange(manager, actor, 'booking.create', { type: 'booking', id: row.id });
          return row.id;
        }),
      );
      this.outbox.afterCommit();
      this.metrics.bookingsMade.inc({ source: 'staff' });
      return id;
    } catch (error) {
      if (error instanceof NoPlace)
        throw this.counted(await this.slots.whyNotBookable(dto.slotId, now, 'staff'));
      throw this.counted(error);
    }
  }

  /**
   * Runs the patient's booking statement (BOOK) under a fresh reference, inside a transaction
   * with the stored answer when there is an idempotency key. Throws NoPlace when no place could
   * be had.
   */
  private async bookPlace(
    dto: CreateBookingDto,
    details: PatientDetails,
    key: string | undefined,
    now: Date,
  ): Promise<BookingCreatedDto> {
    const { token, hash } = newManageToken();
    const quota = { identity: bookingIdentity(details.email, details.dateOfBirth), bookingId: randomUUID() };
    const maxActive = this.config.maxActiveBookingsPerPatient;
    const fixed = {
      ...details,
      ...this.outbox.bookedEmailValues(dto.slotId, token),
      ...this.slots.bookableWindow(now),
      ...quota,
      maxActive,
      slotId: dto.slotId,
      tokenHash: hash,
      notes: dto.notes ?? null,
      now,
    };
    return this.withFreshReference(async (reference) => {
      const book = async (db: EntityManager): Promise<BookingCreatedDto> => {
        const [row] = await runSql<BookRow[]>(db, BOOK, BOOK.values({ ...fixed, reference }));
        if (!row.withinLimit) {
          throw new ConflictError(
            'booking-limit',
            `You already have ${maxActive} upcoming booking${maxActive === 1 ? '' : 's'}. Please cancel one first. To book more, ${callTheClinic(this.config).replace(/^P/, 'p')}`,
          );
        }
        if (row.id === null) throw new NoPlace(dto.slotId, quota);
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
      return key
        ? transaction(this.dataSource, book)
        : retryingConflicts(() => book(this.dataSource.manager));
    });
  }

  /**
   * Runs `book` under a fresh reference, drawing again on the rare collision (the failed
   * statement wrote nothing).
   */
  private async withFreshReference<T>(book: (reference: string) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await book(newReference());
      } catch (error) {
        if (attempt < 5 && violatedConstraint(error) === 'booking_reference_unique') continue;
        throw error;
      }
    }
  }

  /** A patient's details as submitted: email lower-cased, phone as E.164. */
  private detailsOf(patient: PatientDto, locale: Locale): PatientDetails {
    return {
      firstName: patient.firstName,
      lastName: patient.lastName,
      email: patient.email.toLowerCase(),
      phone: normalisePhone(patient.phone)!,
      dateOfBirth: patient.dateOfBirth,
      locale,
    };
  }

  /** Remembers that `slotId` could not be booked, and answers why. */
  /** A refused booking (a domain error: full, closed, limit, ...) counted by its code; passed on. */
  private counted(error: unknown): unknown {
    if (error instanceof DomainError) this.metrics.bookingsRefused.inc({ reason: error.code });
    return error;
  }

  private refused(slotId: string, reason: Error): Error {
    this.refusals.note(slotId);
    return reason;
  }
}
