import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain-error';
import type { Page } from '../common/pagination.dto';
import { searchPattern } from '../common/search';
import { fetchPage, isoUtc } from '../common/sql';
import { parseInstant } from '../common/time';
import { OutboxService } from '../notifications/outbox.service';
import { SlotRow } from '../slots/dto/slot.dto';
import { SlotsService } from '../slots/slots.service';
import { BOOKING_VIEW, ManagedBooking } from './bookings.service';
import { csvLine } from './csv';
import { normalisePhone } from './dto/booking-input.dto';
import type { AdminBookingDto, AdminBookingQueryDto, BookingSort } from './dto/admin-booking.dto';

/** The listing's columns (also used by the benchmark's baseline); times as ISO text (isoUtc). */
export const LIST_COLUMNS = `
  b.id, b.reference, b.status, b.notes, ${isoUtc('b.cancelled_at')} AS "cancelledAt", b.cancel_reason AS "cancelReason",
  b.cancelled_by AS "cancelledBy", ${isoUtc('b.created_at')} AS "createdAt",
  s.id AS "slotId", ${isoUtc('s.starts_at')} AS "startsAt", ${isoUtc('s.ends_at')} AS "endsAt",
  p.id AS "patientId", p.first_name AS "firstName", p.last_name AS "lastName", p.email, p.phone,
  p.date_of_birth AS "dateOfBirth"`;
export const LIST_FROM = `FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id`;

const ORDER: Record<BookingSort, string> = {
  startsAt: 's.starts_at ASC, b.id ASC',
  '-startsAt': 's.starts_at DESC, b.id DESC',
  createdAt: 'b.created_at ASC, b.id ASC',
  '-createdAt': 'b.created_at DESC, b.id DESC',
  lastName: 'p.last_name ASC, p.first_name ASC, b.id ASC',
  '-lastName': 'p.last_name DESC, p.first_name DESC, b.id DESC',
};

const CSV_HEADER = [
  'reference',
  'status',
  'slot_starts_at',
  'slot_ends_at',
  'first_name',
  'last_name',
  'email',
  'phone',
  'date_of_birth',
  'notes',
  'created_at',
  'cancelled_at',
  'cancelled_by',
  'cancel_reason',
];

interface ListRow {
  id: string;
  reference: string;
  status: AdminBookingDto['status'];
  notes: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  cancelledBy: 'patient' | 'staff' | null;
  createdAt: string;
  slotId: string;
  startsAt: string;
  endsAt: string;
  patientId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  dateOfBirth: string;
}

function toDto(row: ListRow): AdminBookingDto {
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    slot: { id: row.slotId, startsAt: row.startsAt, endsAt: row.endsAt },
    patient: {
      id: row.patientId,
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      phone: row.phone,
      dateOfBirth: row.dateOfBirth,
    },
    notes: row.notes,
    cancelledAt: row.cancelledAt,
    cancelReason: row.cancelReason,
    cancelledBy: row.cancelledBy,
    createdAt: row.createdAt,
  };
}

/**
 * The joins the total needs: only those the filters use (every booking has its slot and
 * patient), so the unfiltered count reads the booking table alone.
 */
function countFrom(where: string): string {
  const slot = /\bs\./.test(where) ? ' JOIN slot s ON s.id = b.slot_id' : '';
  const patient =
    /\bp\./.test(where) || /patient_search_text/.test(where) ? ' JOIN patient p ON p.id = b.patient_id' : '';
  return `FROM booking b${slot}${patient}`;
}

/** `%`, `_` and `\` match literally in a LIKE pattern. */

/** The front desk's view of bookings: listing, search, export, attendance, staff cancellation. */
@Injectable()
export class AdminBookingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly slots: SlotsService,
    private readonly outbox: OutboxService,
  ) {}

  async list(query: AdminBookingQueryDto): Promise<Page<AdminBookingDto>> {
    const { where, parameters } = await this.filters(query);
    const { rows, total } = await fetchPage<ListRow>(
      this.dataSource,
      {
        select: `SELECT ${LIST_COLUMNS} ${LIST_FROM}`,
        countFrom: countFrom(where),
        where,
        orderBy: ORDER[query.sort],
      },
      parameters,
      query,
    );
    return { data: rows.map(toDto), total, limit: query.limit, offset: query.offset };
  }

  /**
   * Every matching row (no page cap) as CSV, read row by row from a database cursor as the
   * client takes it. The filters are checked and the query started before this answers, so
   * that a bad filter is still a 400; the connection goes back to the pool when the stream
   * ends, fails or is dropped by a client that went away.
   */
  async csv(query: AdminBookingQueryDto): Promise<Readable> {
    const { where, parameters } = await this.filters(query);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let rows: Readable;
    try {
      rows = await runner.stream(
        `SELECT ${LIST_COLUMNS} ${LIST_FROM} ${where} ORDER BY ${ORDER[query.sort]}`,
        parameters,
      );
    } catch (error) {
      await runner.release();
      throw error;
    }
    const csv = Readable.from(csvLines(rows as AsyncIterable<ListRow>));
    csv.once('close', () => {
      rows.destroy();
      void runner.release();
    });
    return csv;
  }

  async get(id: string): Promise<AdminBookingDto> {
    const [row] = await this.dataSource.query<ListRow[]>(
      `SELECT ${LIST_COLUMNS} ${LIST_FROM} WHERE b.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('There is no booking with this id.');
    return toDto(row);
  }

  /**
   * Attendance and staff cancellation. Legal moves only: from `booked` to attended or no-show
   * (once the slot has started) or to cancelled (any time: the patient deadline does not bind
   * staff; the place is freed and the patient emailed). Cancelled stays cancelled.
   */
  async updateStatus(
    id: string,
    status: 'attended' | 'no_show' | 'cancelled',
    reason?: string,
    now = new Date(),
  ) {
    await this.dataSource.transaction(async (manager) => {
      const booking = await this.lock(manager, id);
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
      if (status === 'cancelled') {
        await manager.query(
          `UPDATE booking SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_by = 'staff',
             ics_sequence = ics_sequence + 1, updated_at = now()
           WHERE id = $1`,
          [id, reason ?? null],
        );
        await this.slots.releasePlace(manager, booking.slotId);
        await this.outbox.cancelled(manager, { ...booking, sequence: booking.sequence + 1 }, reason);
        return;
      }
      if (booking.startsAt > now) {
        throw new ConflictError(
          'slot-not-started',
          'Attendance can be marked once the appointment has started.',
        );
      }
      await manager.query(`UPDATE booking SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
      await this.outbox.skipPending(manager, id);
    });
    this.outbox.afterCommit();
    return this.get(id);
  }

  /**
   * Cancels a slot and, in the same transaction, every booked booking in it; each patient is
   * sent a slot_cancelled email with a calendar cancellation. All or nothing.
   */
  async cancelSlot(slotId: string, reason: string): Promise<{ slot: SlotRow; cancelledBookings: number }> {
    const result = await this.dataSource.transaction(async (manager) => {
      await this.slots.lockInOrder(manager, [slotId]);
      const bookings = await manager.query<ManagedBooking[]>(
        `${BOOKING_VIEW} WHERE b.slot_id = $1 AND b.status = 'booked' FOR UPDATE OF b`,
        [slotId],
      );
      const slot = await this.slots.markCancelled(manager, slotId, bookings.length);
      if (!slot) {
        const existing = await this.slots.find(slotId);
        if (!existing) throw new NotFoundError('There is no slot with this id.');
        throw new ConflictError('slot-cancelled', 'This slot is already cancelled.');
      }
      await manager.query(
        `UPDATE booking SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_by = 'staff',
           ics_sequence = ics_sequence + 1, updated_at = now()
         WHERE slot_id = $1 AND status = 'booked'`,
        [slotId, reason],
      );
      for (const booking of bookings) {
        await this.outbox.cancelled(
          manager,
          { ...booking, sequence: booking.sequence + 1 },
          reason,
          'slot_cancelled',
        );
      }
      return { slot, cancelledBookings: bookings.length };
    });
    this.outbox.afterCommit();
    return result;
  }

  /** Locks a booking for a staff change: its slot first, then the booking (the one lock order). */
  private async lock(manager: EntityManager, id: string): Promise<ManagedBooking> {
    const [seen] = await manager.query<{ slotId: string }[]>(
      `SELECT slot_id AS "slotId" FROM booking WHERE id = $1`,
      [id],
    );
    if (!seen) throw new NotFoundError('There is no booking with this id.');
    await this.slots.lockInOrder(manager, [seen.slotId]);
    const [booking] = await manager.query<ManagedBooking[]>(
      `${BOOKING_VIEW} WHERE b.id = $1 FOR UPDATE OF b`,
      [id],
    );
    if (booking.slotId !== seen.slotId) {
      throw new ConflictError(
        'booking-changed',
        'The booking changed meanwhile. Please reload it and try again.',
      );
    }
    return booking;
  }

  private async filters(query: AdminBookingQueryDto): Promise<{ where: string; parameters: unknown[] }> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(sql(`$${parameters.length}`));
    };
    if (query.from) add((p) => `s.starts_at >= ${p}`, parseInstant(query.from));
    if (query.to) add((p) => `s.starts_at < ${p}`, parseInstant(query.to));
    if (query.status?.length) add((p) => `b.status = ANY(${p})`, query.status);
    if (query.slotId) add((p) => `b.slot_id = ${p}`, query.slotId);
    if (query.patientId) add((p) => `b.patient_id = ${p}`, query.patientId);
    const q = query.q?.trim();
    if (q) {
      // The pattern is made the way the indexed text is: lower-cased, accents removed.
      const alternatives: string[] = [];
      parameters.push(await searchPattern(this.dataSource, q));
      alternatives.push(
        `patient_search_text(p.first_name, p.last_name, p.email, p.phone) LIKE $${parameters.length}`,
      );
      parameters.push(q.toUpperCase());
      alternatives.push(`b.reference = $${parameters.length}`);
      const phone = normalisePhone(q);
      if (phone) {
        parameters.push(phone);
        alternatives.push(`p.phone = $${parameters.length}`);
      }
      conditions.push(`(${alternatives.join(' OR ')})`);
    }
    return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', parameters };
  }
}

async function* csvLines(rows: AsyncIterable<ListRow>): AsyncGenerator<string> {
  yield csvLine(CSV_HEADER);
  for await (const row of rows) {
    yield csvLine([
      row.reference,
      row.status,
      row.startsAt,
      row.endsAt,
      row.firstName,
      row.lastName,
      row.email,
      row.phone,
      row.dateOfBirth,
      row.notes,
      row.createdAt,
      row.cancelledAt,
      row.cancelledBy,
      row.cancelReason,
    ]);
  }
}
