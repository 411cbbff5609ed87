import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, invalidField, NotFoundError } from '../common/domain-error';
import type { Page, PageQueryDto } from '../common/pagination.dto';
import { fetchPage, isoUtc, updateReturning, Where } from '../common/sql';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ClosureDto, CreateClosureDto } from './dto/closure.dto';
import type { SlotRow } from './dto/slot.dto';

/**
 * The one lock that orders closures against new slots (a transaction-level advisory lock):
 * creating slots takes it shared, a closure exclusively. So a slot is either created before a
 * closure (which then closes it) or sees the closure (and is not created on its dates).
 */
const CALENDAR_LOCK = 0x636c696e69632d63n.toString();

/** A closure spans at most this many days (a longer one is a typo in a year). */
const MAX_CLOSURE_DAYS = 366;

const CLOSURE_COLUMNS = `id, to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to",
  reason, cancel_bookings AS "cancelBookings", ${isoUtc('created_at')} AS "createdAt"`;

/** Days the clinic is closed, and the slots on them. */
@Injectable()
export class ClosuresService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Inside the caller's transaction, before creating slots: waits out a closure being made. */
  async holdCalendar(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [CALENDAR_LOCK]);
  }

  /**
   * Records a closure inside the caller's transaction, with the calendar held exclusively (no
   * slot is created meanwhile), and answers it with the ids of the slots on its dates that are
   * not cancelled, for the caller to lock and close or cancel. 409 when it overlaps another.
   */
  async add(
    manager: EntityManager,
    dto: CreateClosureDto,
  ): Promise<{ closure: ClosureDto; slotIds: string[] }> {
    if (dto.to < dto.from) throw invalidField('to', 'must not be before from');
    if (DateTime.fromISO(dto.to).diff(DateTime.fromISO(dto.from), 'days').days >= MAX_CLOSURE_DAYS)
      throw invalidField('to', `must be less than ${MAX_CLOSURE_DAYS} days after from`);
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CALENDAR_LOCK]);
    // Under the exclusive lock no other closure is being made: the check stands until the insert
    // (and the exclusion constraint is the last line of defence).
    const [other] = await manager.query<ClosureDto[]>(
      `SELECT ${CLOSURE_COLUMNS} FROM closure WHERE daterange(from_date, to_date, '[]') && daterange($1, $2, '[]') LIMIT 1`,
      [dto.from, dto.to],
    );
    if (other) {
      throw new ConflictError(
        'closure-overlap',
        `The clinic is already closed from ${other.from} to ${other.to}. Remove that closure first to change it.`,
      );
    }
    const [closure] = await manager.query<ClosureDto[]>(
      `INSERT INTO closure (from_date, to_date, reason, cancel_bookings) VALUES ($1, $2, $3, $4)
       RETURNING ${CLOSURE_COLUMNS}`,
      [dto.from, dto.to, dto.reason, dto.cancelBookings],
    );
    const slots = await manager.query<{ id: string }[]>(
      `SELECT id FROM slot
       WHERE status <> 'cancelled' AND (starts_at AT TIME ZONE $3::text)::date BETWEEN $1 AND $2
       ORDER BY id`,
      [dto.from, dto.to, this.config.clinicTimezone],
    );
    return { closure, slotIds: slots.map((s) => s.id) };
  }

  /** Closes these open slots to new bookings, inside the caller's transaction (slots locked). */
  async closeSlots(manager: EntityManager, slotIds: string[]): Promise<SlotRow[]> {
    return updateReturning<SlotRow>(
      manager,
      `UPDATE slot SET status = 'closed', updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'open' RETURNING id`,
      [slotIds],
    );
  }

  /** Closures from `from` (a local date; default today) on, in date order. */
  async list(query: PageQueryDto & { from?: string }, now = new Date()): Promise<Page<ClosureDto>> {
    const from = query.from ?? DateTime.fromJSDate(now, { zone: this.config.clinicTimezone }).toISODate()!;
    const where = new Where().add((p) => `to_date >= ${p}::date`, from);
    return fetchPage(
      this.dataSource,
      { select: `SELECT ${CLOSURE_COLUMNS} FROM closure`, countFrom: 'FROM closure', orderBy: 'from_date' },
      where,
      query,
    );
  }

  /**
   * The local dates from `from` to `to` (YYYY-MM-DD, included) on which the clinic is closed,
   * inside the caller's transaction (after holdCalendar, so they stand until it ends).
   */
  async closedDates(manager: EntityManager, from: string, to: string): Promise<Set<string>> {
    const rows = await manager.query<{ date: string }[]>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS date
       FROM closure c, generate_series(greatest(c.from_date, $1::date), least(c.to_date, $2::date), interval '1 day') AS d
       WHERE c.from_date <= $2::date AND c.to_date >= $1::date`,
      [from, to],
    );
    return new Set(rows.map((row) => row.date));
  }

  /** The closure on a local date, if any. */
  async on(date: string): Promise<ClosureDto | undefined> {
    const [closure] = await this.dataSource.query<ClosureDto[]>(
      `SELECT ${CLOSURE_COLUMNS} FROM closure WHERE $1::date BETWEEN from_date AND to_date`,
      [date],
    );
    return closure;
  }

  /** Removes a closure: later slots may be made on its dates again; nothing is reopened. */
  async remove(id: string): Promise<ClosureDto> {
    const [closure] = await updateReturning<ClosureDto>(
      this.dataSource,
      `DELETE FROM closure WHERE id = $1 RETURNING ${CLOSURE_COLUMNS}`,
      [id],
    );
    if (!closure) throw new NotFoundError('There is no closure with this id.');
    return closure;
  }
}
