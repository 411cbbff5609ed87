import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import {
  ConflictError,
  DomainError,
  invalidField,
  NotFoundError,
  ValidationFailedError,
} from '../common/domain-error';
import type { Page } from '../common/pagination.dto';
import {
  fetchPage,
  isoUtc,
  type Param,
  prepared,
  runSql,
  statement,
  updateReturning,
  wallClockSql,
  Where,
} from '../common/sql';
import { parseBound, parseInstant, parseLocalDate, parseLocalTime } from '../common/time';
import { APP_CONFIG, AppConfig, callTheClinic } from '../config/config';
import {
  AdminSlotQueryDto,
  AvailableDaysQueryDto,
  CreateSlotDto,
  MAX_PUBLIC_WINDOW_DAYS,
  PublicSlotQueryDto,
  RotaDto,
  UpdateSlotDto,
} from './dto/slot-input.dto';
import {
  AvailableDayDto,
  AvailableDaysDto,
  PublicSlotDto,
  PublicSlotPageDto,
  RotaResultDto,
  SlotRow,
  StaffSlotDto,
} from './dto/slot.dto';
import { ClosuresService } from './closures.service';
import { daysInRange, generateRota } from './rota';
import { transaction } from '../common/transaction';

export const MAX_ROTA_DAYS = 366;
export const MAX_ROTA_SLOTS = 10_000;
const MAX_SLOT_MINUTES = 24 * 60;
const DEFAULT_PUBLIC_WINDOW_DAYS = 28;

/** Columns of a slot, named as SlotRow. */
const SLOT_COLUMNS = `id, starts_at AS "startsAt", ends_at AS "endsAt", capacity, booked_count AS "bookedCount", status, notes`;

/**
 * Public availability: open, not full, far enough ahead, in the window; keyset-paginated on
 * (starts_at, id). Served by the partial index slot_bookable_idx (open slots; full ones are
 * filtered out). Times come back as ISO text.
 */
export const AVAILABLE_SLOTS_SQL = `
  SELECT id, ${isoUtc('starts_at')} AS "startsAt", ${isoUtc('ends_at')} AS "endsAt",
         ${wallClockSql('starts_at', '$7')} AS "startsAtLocal", ${wallClockSql('ends_at', '$7')} AS "endsAtLocal",
         capacity - booked_count AS remaining
  FROM slot
  WHERE status = 'open' AND booked_count < capacity
    AND starts_at >= $1 AND starts_at < $2 AND starts_at > $3 AND starts_at <= $8
    AND (starts_at, id) > ($4::timestamptz, $5::uuid)
  ORDER BY starts_at, id
  LIMIT $6`;

/**
 * The local dates (in zone $5) with a free place in a bookable slot (AVAILABLE_SLOTS_SQL's
 * rules), with how many: for the booking page's calendar. Served by slot_bookable_idx.
 */
const AVAILABLE_DAYS_SQL = `
  SELECT to_char((starts_at AT TIME ZONE $5::text)::date, 'YYYY-MM-DD') AS date,
         sum(capacity - booked_count)::int AS available
  FROM slot
  WHERE status = 'open' AND booked_count < capacity
    AND starts_at >= $1 AND starts_at < $2 AND starts_at > $3 AND starts_at <= $4
  GROUP BY 1
  ORDER BY 1`;

/**
 * Takes one place in a slot if it is open, not full and starts after `earliest`, answering the
 * slot as SlotRow: one conditional update, so PostgreSQL decides (concurrent takers queue on the
 * row and each sees the count the previous one left). Also a step of the booking statement,
 * which reads its answer ("startsAt", "endsAt"); `onlyIf` (a row source of that statement,
 * never input) must then have a row.
 */
export function takePlaceSql(param: Param<'slotId' | 'earliest' | 'latest'>, onlyIf?: string): string {
  return `
  UPDATE slot SET booked_count = booked_count + 1, updated_at = now()
  WHERE id = ${param('slotId')} AND status = 'open' AND booked_count < capacity
    AND starts_at > ${param('earliest')} AND starts_at <= ${param('latest')}
    ${onlyIf ? `AND EXISTS (SELECT FROM ${onlyIf})` : ''}
  RETURNING ${SLOT_COLUMNS}`;
}

const TAKE_PLACE = statement<{ slotId: string } & BookableWindow>(takePlaceSql);

/**
 * Who is booking: patients online keep to the minimum notice and the booking horizon; staff
 * (a patient on the phone) may book any slot that has not started.
 */
export type Booker = 'patient' | 'staff';

/** The starts a booker may take a place in: after `earliest`, up to `latest` (both instants). */
export interface BookableWindow {
  earliest: Date;
  latest: Date;
}

/** As far ahead as anything is bookable when there is no horizon (staff). */
const NO_HORIZON = new Date('9999-12-31T00:00:00Z');

const FIND_SLOT_SQL = prepared(`SELECT ${SLOT_COLUMNS} FROM slot WHERE id = $1`);

const CURSOR_FLOOR = ['1970-01-01T00:00:00Z', '00000000-0000-0000-0000-000000000000'] as const;

/** The cursor after `slot`. */
function encodeCursor(slot: { startsAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([slot.startsAt, slot.id])).toString('base64url');
}

/** A cursor's slot: a real instant of a year a slot can have, and a uuid; checked before any query. */
function decodeCursor(cursor: string): [string, string] {
  try {
    const [startsAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const instant = parseInstant(startsAt);
    const year = instant?.getUTCFullYear() ?? 0;
    if (instant && year >= 1970 && year <= 9999 && typeof id === 'string' && isUUID(id)) {
      return [instant.toISOString(), id];
    }
  } catch {
    // fall through
  }
  throw invalidField('cursor', 'is not a cursor this API gave out; start again without it');
}

@Injectable()
export class SlotsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly closures: ClosuresService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateSlotDto, now = new Date()): Promise<SlotRow> {
    const startsAt = parseInstant(dto.startsAt)!;
    const endsAt = parseInstant(dto.endsAt)!;
    const errors = [];
    if (startsAt.getTime() % 60_000 !== 0)
      errors.push({ field: 'startsAt', message: 'must be on a whole minute' });
    if (endsAt.getTime() % 60_000 !== 0)
      errors.push({ field: 'endsAt', message: 'must be on a whole minute' });
    if (startsAt <= now) errors.push({ field: 'startsAt', message: 'must be in the future' });
    if (endsAt <= startsAt) errors.push({ field: 'endsAt', message: 'must be after startsAt' });
    else if (endsAt.getTime() - startsAt.getTime() > MAX_SLOT_MINUTES * 60_000) {
      errors.push({ field: 'endsAt', message: 'must be at most 24 hours after startsAt' });
    }
    if (errors.length > 0) throw new ValidationFailedError(errors);
    return transaction(this.dataSource, async (manager) => {
      await this.closures.holdCalendar(manager);
      const date = this.localDate(startsAt);
      if ((await this.closures.closedDates(manager, date, date)).size > 0) {
        throw new ConflictError(
          'clinic-closed',
          `The clinic is closed on ${date}. Remove the closure first to open slots that day.`,
        );
      }
      const [slot] = await manager.query<SlotRow[]>(
        `INSERT INTO slot (starts_at, ends_at, capacity, notes) VALUES ($1, $2, $3, $4) RETURNING ${SLOT_COLUMNS}`,
        [startsAt, endsAt, dto.capacity, dto.notes ?? null],
      );
      return slot;
    });
  }

  /** The clinic's local date (YYYY-MM-DD) of an instant. */
  localDate(instant: Date): string {
    return DateTime.fromJSDate(instant, { zone: this.config.clinicTimezone }).toISODate()!;
  }

  /**
   * Creates every slot of a rota in one statement (so one transaction). A slot that would
   * overlap an existing non-cancelled one is skipped by the exclusion constraint itself
   * (ON CONFLICT DO NOTHING), so running the same rota twice creates nothing the second time,
   * even when two receptionists submit it at once.
   */
  /**
   * With `dryRun`, nothing is created: the answer says what would be, slot by slot.
   */
  async createRota(dto: RotaDto, now = new Date(), dryRun = false): Promise<RotaResultDto> {
    const rota = {
      from: parseLocalDate(dto.from)!,
      to: parseLocalDate(dto.to)!,
      weekdays: dto.weekdays,
      dayStart: parseLocalTime(dto.dayStart)!,
      dayEnd: parseLocalTime(dto.dayEnd, { allowEndOfDay: true })!,
      slotMinutes: dto.slotMinutes,
      breaks: (dto.breaks ?? []).map((b) => ({
        start: parseLocalTime(b.start)!,
        end: parseLocalTime(b.end, { allowEndOfDay: true })!,
      })),
      excludeDates: dto.excludeDates ?? [],
    };
    const days = daysInRange(rota);
    if (days < 1) throw invalidField('to', 'must not be before from');
    if (days > MAX_ROTA_DAYS)
      throw invalidField('to', `must be at most ${MAX_ROTA_DAYS} days after from (a year)`);
    if (rota.dayEnd <= rota.dayStart) throw invalidField('dayEnd', 'must be after dayStart');
    if (rota.dayEnd - rota.dayStart < rota.slotMinutes)
      throw invalidField('slotMinutes', 'must fit between dayStart and dayEnd');
    rota.breaks.forEach((b, i) => {
      if (b.end <= b.start) throw invalidField(`breaks.${i}.end`, 'must be after start');
    });

    const generated = generateRota(rota, dto.timezone ?? this.config.clinicTimezone);
    if (generated.length > MAX_ROTA_SLOTS) {
      throw invalidField(
        'to',
        `the rota would make ${generated.length} slots; at most ${MAX_ROTA_SLOTS} at once`,
      );
    }
    const future = generated.filter((slot) => slot.startsAt > now);
    const skippedPast = generated.length - future.length;
    if (future.length === 0) {
      return {
        created: 0,
        skipped: skippedPast,
        skippedPast,
        skippedOverlapping: 0,
        skippedClosed: 0,
        ...(dryRun ? { slots: [] } : {}),
      };
    }
    const run = async (manager: EntityManager): Promise<RotaResultDto> => {
      await this.closures.holdCalendar(manager);
      const closed = await this.closures.closedDates(
        manager,
        this.localDate(future[0].startsAt),
        this.localDate(future[future.length - 1].startsAt),
      );
      const open = future.filter((slot) => !closed.has(this.localDate(slot.startsAt)));
      const skippedClosed = future.length - open.length;
      const inserted = await manager.query<SlotRow[]>(
        `INSERT INTO slot (starts_at, ends_at, capacity, notes)
         SELECT starts_at, ends_at, $3, $4 FROM unnest($1::timestamptz[], $2::timestamptz[]) AS r(starts_at, ends_at)
         ON CONFLICT DO NOTHING
         RETURNING ${SLOT_COLUMNS}`,
        [open.map((s) => s.startsAt), open.map((s) => s.endsAt), dto.capacity, dto.notes ?? null],
      );
      const skippedOverlapping = open.length - inserted.length;
      return {
        created: inserted.length,
        skipped: skippedPast + skippedOverlapping + skippedClosed,
        skippedPast,
        skippedOverlapping,
        skippedClosed,
        ...(dryRun
          ? {
              slots: inserted
                .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
                .map((slot) => this.staffView(slot)),
            }
          : {}),
      };
    };
    if (!dryRun) return transaction(this.dataSource, run);
    // A preview: the very statement, rolled back, so it shows exactly what it would create.
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      return await run(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  async list(query: AdminSlotQueryDto, now = new Date()): Promise<Page<SlotRow>> {
    const from = query.from
      ? parseBound(query.from, this.config.clinicTimezone, 'from')!
      : DateTime.fromJSDate(now, { zone: this.config.clinicTimezone }).startOf('day').toJSDate();
    const where = new Where().add((p) => `starts_at >= ${p}`, from);
    if (query.to)
      where.add((p) => `starts_at < ${p}`, parseBound(query.to, this.config.clinicTimezone, 'to'));
    if (query.status?.length) where.add((p) => `status = ANY(${p})`, query.status);
    return fetchPage(
      this.dataSource,
      { select: `SELECT ${SLOT_COLUMNS} FROM slot`, countFrom: 'FROM slot', orderBy: 'starts_at, id' },
      where,
      query,
    );
  }

  /**
   * Capacity, status and notes in one conditional update: capacity never below the places
   * taken (decided by the row as it is when updated, not as read before), and a cancelled slot
   * stays as it is.
   */
  async update(id: string, dto: UpdateSlotDto): Promise<SlotRow> {
    if (dto.capacity === undefined && dto.status === undefined && dto.notes === undefined) {
      throw invalidField('body', 'must change at least one of capacity, status, notes');
    }
    const rows = await updateReturning<SlotRow>(
      this.dataSource,
      `UPDATE slot SET
         capacity = COALESCE($2, capacity),
         status = COALESCE($3, status),
         notes = CASE WHEN $4 THEN $5 ELSE notes END,
         updated_at = now()
       WHERE id = $1 AND status <> 'cancelled' AND ($2::int IS NULL OR booked_count <= $2::int)
       RETURNING ${SLOT_COLUMNS}`,
      [id, dto.capacity ?? null, dto.status ?? null, dto.notes !== undefined, dto.notes ?? null],
    );
    if (rows.length > 0) return rows[0];
    const current = await this.find(id);
    if (!current) throw new NotFoundError('There is no slot with this id.');
    if (current.status === 'cancelled')
      throw new ConflictError('slot-cancelled', 'This slot is cancelled and can no longer change.');
    throw new ConflictError(
      'capacity-below-bookings',
      `The slot already has ${current.bookedCount} booking(s); its capacity cannot go below that.`,
    );
  }

  /** The clinic's time zone: the wall clock of rotas and of the local times in lists. */
  get timeZone(): string {
    return this.config.clinicTimezone;
  }

  /** A slot as staff see it, with its times on the clinic's wall clock too. */
  staffView(slot: SlotRow): StaffSlotDto {
    return StaffSlotDto.from(slot, this.config.clinicTimezone);
  }

  /**
   * The starts `booker` may book at `now`: patients from the minimum notice to the horizon,
   * staff anything that has not started.
   */
  bookableWindow(now: Date, booker: Booker = 'patient'): BookableWindow {
    if (booker === 'staff') return { earliest: now, latest: NO_HORIZON };
    return {
      earliest: new Date(now.getTime() + this.config.bookingMinNoticeMinutes * 60_000),
      latest: new Date(now.getTime() + this.config.bookingHorizonDays * 24 * 3600_000),
    };
  }

  /**
   * Takes one place in a slot (takePlaceSql), inside the caller's transaction: open, free and
   * beyond the minimum notice. Answers the slot, or undefined when no place could be taken
   * (see whyNotBookable).
   */
  async takePlace(
    manager: EntityManager,
    slotId: string,
    now: Date,
    booker: Booker = 'patient',
  ): Promise<SlotRow | undefined> {
    const [slot] = await updateReturning<SlotRow>(
      manager,
      TAKE_PLACE,
      TAKE_PLACE.values({ slotId, ...this.bookableWindow(now, booker) }),
    );
    return slot;
  }

  /**
   * Cancels the slot inside the caller's transaction (its bookings were cancelled first, each
   * giving its place back). Answers the slot, or undefined if it is unknown or already cancelled.
   */
  async markCancelled(manager: EntityManager, slotId: string): Promise<SlotRow | undefined> {
    const [slot] = await updateReturning<SlotRow>(
      manager,
      `UPDATE slot SET status = 'cancelled', updated_at = now()
       WHERE id = $1 AND status <> 'cancelled'
       RETURNING ${SLOT_COLUMNS}`,
      [slotId],
    );
    return slot;
  }

  /** Gives a place back, inside the caller's transaction. */
  async releasePlace(manager: EntityManager, slotId: string): Promise<void> {
    await manager.query(`UPDATE slot SET booked_count = booked_count - 1, updated_at = now() WHERE id = $1`, [
      slotId,
    ]);
  }

  /** Locks slots in a fixed order (by id), so that transactions touching two never deadlock. */
  async lockInOrder(manager: EntityManager, slotIds: string[]): Promise<void> {
    await manager.query(`SELECT id FROM slot WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [slotIds]);
  }

  /** Why a place in this slot cannot be taken now: the error to answer with. */
  async whyNotBookable(slotId: string, now: Date, booker: Booker = 'patient'): Promise<DomainError> {
    // Full, or full a moment ago with a place freed since: either way, this attempt lost.
    return (
      this.unbookableReason(await this.find(slotId), now, booker) ??
      new ConflictError('slot-full', 'This slot is fully booked.')
    );
  }

  /**
   * Why a slot, as read, cannot be booked now; undefined when it looks bookable. Only a
   * shortcut to fail fast: whether a place is taken is decided by takePlace's update.
   */
  unbookableReason(
    slot: SlotRow | undefined,
    now: Date,
    booker: Booker = 'patient',
  ): DomainError | undefined {
    if (!slot) return new NotFoundError('There is no slot with this id.');
    if (slot.status === 'cancelled')
      return new ConflictError('slot-cancelled', 'This slot has been cancelled.');
    if (slot.status === 'closed') return new ConflictError('slot-closed', 'This slot is closed for booking.');
    if (slot.startsAt <= now) return new ConflictError('slot-past', 'This slot has already started.');
    const { earliest, latest } = this.bookableWindow(now, booker);
    if (slot.startsAt <= earliest) {
      return new ConflictError(
        'slot-too-soon',
        `This slot starts too soon to book online (at least ${this.config.bookingMinNoticeMinutes} minutes ahead). ${callTheClinic(this.config)}`,
      );
    }
    if (slot.startsAt > latest) {
      return new ConflictError(
        'slot-too-far',
        `Slots can be booked online up to ${this.config.bookingHorizonDays} days ahead. ${callTheClinic(this.config)}`,
      );
    }
    if (slot.bookedCount >= slot.capacity)
      return new ConflictError('slot-full', 'This slot is fully booked.');
    return undefined;
  }

  /** The times of a slot, or undefined. */
  async find(slotId: string): Promise<SlotRow | undefined> {
    const [slot] = await runSql<SlotRow[]>(this.dataSource, FIND_SLOT_SQL, [slotId]);
    return slot;
  }

  /** The calendar: each local date from `from` to `to` (both included) with a free place. */
  async availableDays(query: AvailableDaysQueryDto, now = new Date()): Promise<AvailableDaysDto> {
    const zone = this.timeZone;
    const from = query.from ?? this.localDate(now);
    const to = query.to ?? DateTime.fromISO(from).plus({ days: 34 }).toISODate()!;
    const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days;
    if (days < 0) throw invalidField('to', 'must not be before from');
    if (days >= MAX_PUBLIC_WINDOW_DAYS)
      throw invalidField('to', `must be less than ${MAX_PUBLIC_WINDOW_DAYS} days after from`);
    const { earliest, latest } = this.bookableWindow(now);
    const data = await this.dataSource.query<AvailableDayDto[]>(AVAILABLE_DAYS_SQL, [
      parseBound(from, zone, 'from'),
      parseBound(to, zone, 'to'),
      earliest,
      latest,
      zone,
    ]);
    return { data, timeZone: zone };
  }

  async available(query: PublicSlotQueryDto, now = new Date()): Promise<PublicSlotPageDto> {
    const zone = this.timeZone;
    const from = query.from ? parseBound(query.from, zone, 'from')! : now;
    const to = query.to
      ? parseBound(query.to, zone, 'to')!
      : DateTime.fromJSDate(from).plus({ days: DEFAULT_PUBLIC_WINDOW_DAYS }).toJSDate();
    if (to <= from) throw invalidField('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_PUBLIC_WINDOW_DAYS * 24 * 3600_000) {
      throw invalidField('to', `must be at most ${MAX_PUBLIC_WINDOW_DAYS} days after from`);
    }
    const [afterStart, afterId] = query.cursor ? decodeCursor(query.cursor) : CURSOR_FLOOR;
    const { earliest, latest } = this.bookableWindow(now);
    const rows = await this.dataSource.query<PublicSlotDto[]>(AVAILABLE_SLOTS_SQL, [
      from,
      to,
      earliest,
      afterStart,
      afterId,
      query.limit + 1,
      zone,
      latest,
    ]);
    const page = rows.slice(0, query.limit);
    return {
      data: page,
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null,
      timeZone: zone,
    };
  }
}
