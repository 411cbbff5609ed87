import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { DomainError, NotFoundError } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { fetchPage, isoUtc, Where } from '../common/sql';
import { parseBound, wallClock } from '../common/time';
import { patientMatches } from '../patients/patient-search';
import { REFERENCE_PATTERN } from './booking-codes';
import { csvLine } from './csv';
import type {
  AdminBookingDto,
  AdminBookingPageDto,
  AdminBookingQueryDto,
  BookingSort,
} from './dto/admin-booking.dto';

/** The listing's columns; times as ISO text (isoUtc), sent on as they are. */
const COLUMNS = `
  b.id, b.reference, b.status, b.source, b.notes, ${isoUtc('b.cancelled_at')} AS "cancelledAt", b.cancel_reason AS "cancelReason",
  b.cancelled_by AS "cancelledBy", ${isoUtc('b.created_at')} AS "createdAt", ${isoUtc('b.consent_at')} AS "consentAt",
  s.id AS "slotId", ${isoUtc('s.starts_at')} AS "startsAt", ${isoUtc('s.ends_at')} AS "endsAt",
  p.id AS "patientId", p.first_name AS "firstName", p.last_name AS "lastName", p.email, p.phone,
  p.date_of_birth AS "dateOfBirth",
  CASE WHEN (b.first_name, b.last_name, b.phone) IS DISTINCT FROM (p.first_name, p.last_name, p.phone)
            AND b.first_name IS NOT NULL
       THEN json_build_object('firstName', b.first_name, 'lastName', b.last_name, 'phone', b.phone) END
    AS "submittedDetails"`;
const FROM = `FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id`;

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
  'source',
  'slot_starts_at',
  'slot_ends_at',
  'first_name',
  'last_name',
  'email',
  'phone',
  'date_of_birth',
  'notes',
  'created_at',
  'consent_at',
  'cancelled_at',
  'cancelled_by',
  'cancel_reason',
  'submitted_first_name',
  'submitted_last_name',
  'submitted_phone',
];

interface ListRow {
  id: string;
  reference: string;
  status: AdminBookingDto['status'];
  source: AdminBookingDto['source'];
  notes: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  cancelledBy: 'patient' | 'staff' | null;
  createdAt: string;
  consentAt: string | null;
  slotId: string;
  startsAt: string;
  endsAt: string;
  patientId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  dateOfBirth: string;
  submittedDetails: AdminBookingDto['submittedDetails'];
}

function toAdminBookingDto(row: ListRow, zone: string): AdminBookingDto {
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    source: row.source,
    slot: {
      id: row.slotId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      startsAtLocal: wallClock(row.startsAt, zone),
      endsAtLocal: wallClock(row.endsAt, zone),
    },
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
    consentAt: row.consentAt,
    submittedDetails: row.submittedDetails,
  };
}

/**
 * The joins the total needs: only those the filters use (every booking has its slot and
 * patient), so the unfiltered count reads the booking table alone.
 */
function countFrom(where: Where): string {
  const slot = where.mentions(/\bs\./) ? ' JOIN slot s ON s.id = b.slot_id' : '';
  const patient = where.mentions(/\bp\./) ? ' JOIN patient p ON p.id = b.patient_id' : '';
  return `FROM booking b${slot}${patient}`;
}

/**
 * The front desk's read model of bookings: the listing (filters, search, sort, pages, total),
 * its CSV export and one booking, each row with its slot and patient, in one shape
 * (AdminBookingDto).
 */
@Injectable()
export class BookingListingQueries {
  /** Exports streaming now from this instance. */
  private exporting = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: AdminBookingQueryDto): Promise<AdminBookingPageDto> {
    const where = await this.filters(query);
    const zone = this.config.clinicTimezone;
    const page = await fetchPage(
      this.dataSource,
      { select: `SELECT ${COLUMNS} ${FROM}`, countFrom: countFrom(where), orderBy: ORDER[query.sort] },
      where,
      query,
      (row: ListRow) => toAdminBookingDto(row, zone),
    );
    return { ...page, timeZone: zone };
  }

  /**
   * Every matching row (no page cap) as CSV, read row by row from a database cursor as the
   * client takes it. The filters are checked and the query started before this answers, so
   * that a bad filter is still a 400; the connection goes back to the pool when the stream
   * ends, fails or is dropped by a client that went away.
   */
  async csv(query: AdminBookingQueryDto): Promise<Readable> {
    const where = await this.filters(query);
    // Each export holds a connection for as long as it streams: at most a few at once, so that
    // patients' bookings always find the pool.
    if (this.exporting >= this.config.exportMaxConcurrent) {
      throw new DomainError(
        'rate-limited',
        `At most ${this.config.exportMaxConcurrent} exports can run at once. Please try again in a moment.`,
        { retryAfterSeconds: 5 },
      );
    }
    this.exporting++;
    let released = false;
    const runner = this.dataSource.createQueryRunner();
    const release = () => {
      if (released) return;
      released = true;
      this.exporting--;
      void runner.release();
    };
    let rows: Readable;
    try {
      await runner.connect();
      rows = await runner.stream(
        `SELECT ${COLUMNS} ${FROM} ${where} ORDER BY ${ORDER[query.sort]}`,
        where.parameters,
      );
    } catch (error) {
      release();
      throw error;
    }
    // A client that stops reading is dropped once it has taken nothing for the idle timeout.
    const idle = setTimeout(() => csv.destroy(), this.config.exportIdleTimeoutMs).unref();
    const csv = Readable.from(whileRead(csvLines(rows as AsyncIterable<ListRow>), () => idle.refresh()));
    csv.once('close', () => {
      clearTimeout(idle);
      rows.destroy();
      release();
    });
    return csv;
  }

  async get(id: string): Promise<AdminBookingDto> {
    const [row] = await this.dataSource.query<ListRow[]>(`SELECT ${COLUMNS} ${FROM} WHERE b.id = $1`, [id]);
    if (!row) throw new NotFoundError('There is no booking with this id.');
    return toAdminBookingDto(row, this.config.clinicTimezone);
  }

  private async filters(query: AdminBookingQueryDto): Promise<Where> {
    const where = new Where();
    const zone = this.config.clinicTimezone;
    if (query.from) where.add((p) => `s.starts_at >= ${p}`, parseBound(query.from, zone, 'from'));
    if (query.to) where.add((p) => `s.starts_at < ${p}`, parseBound(query.to, zone, 'to'));
    if (query.status?.length) where.add((p) => `b.status = ANY(${p})`, query.status);
    if (query.slotId) where.add((p) => `b.slot_id = ${p}`, query.slotId);
    if (query.patientId) where.add((p) => `b.patient_id = ${p}`, query.patientId);
    const q = query.q?.trim();
    if (q) {
      const alternatives = await patientMatches(this.dataSource, where, q, 'p');
      // A reference as written on paper or read out on the phone: with or without its prefix.
      const reference = q.toUpperCase().replace(/^(B12-?)?/, 'B12-');
      alternatives.push(
        `b.reference = ${where.param(REFERENCE_PATTERN.test(reference) ? reference : q.toUpperCase())}`,
      );
      where.add(`(${alternatives.join(' OR ')})`);
    }
    return where;
  }
}

/** Passes `lines` on, calling `pulled` each time the reader takes one. */
async function* whileRead(lines: AsyncIterable<string>, pulled: () => void): AsyncGenerator<string> {
  for await (const line of lines) {
    pulled();
    yield line;
  }
}

async function* csvLines(rows: AsyncIterable<ListRow>): AsyncGenerator<string> {
  yield csvLine(CSV_HEADER);
  for await (const row of rows) {
    yield csvLine([
      row.reference,
      row.status,
      row.source,
      row.startsAt,
      row.endsAt,
      row.firstName,
      row.lastName,
      row.email,
      row.phone,
      row.dateOfBirth,
      row.notes,
      row.createdAt,
      row.consentAt,
      row.cancelledAt,
      row.cancelledBy,
      row.cancelReason,
      row.submittedDetails?.firstName,
      row.submittedDetails?.lastName,
      row.submittedDetails?.phone,
    ]);
  }
}
