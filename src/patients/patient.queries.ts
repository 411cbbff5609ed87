import { isFrontDeskKindSql } from '../notifications/notification.entity';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import type { Page } from '../common/pagination.dto';
import { fetchPage, Where } from '../common/sql';
import { APP_CONFIG, AppConfig } from '../config/config';
import type {
  PatientBookingDto,
  PatientDetailDto,
  PatientRecordDto,
  PatientExportDto,
  PatientQueryDto,
} from './dto/patient.dto';
import { patientMatches } from './patient-search';

const COLUMNS = `id, first_name AS "firstName", last_name AS "lastName", email, phone, date_of_birth AS "dateOfBirth",
  locale, created_at AS "createdAt"`;

type PatientRow = Omit<PatientRecordDto, 'createdAt'> & { createdAt: Date };

const toPatientRecordDto = (row: PatientRow): PatientRecordDto => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

/** A patient's bookings with their slots' times, newest appointment first. */
const BOOKINGS_SQL = `
  SELECT b.id, b.reference, b.status, b.slot_id AS "slotId", s.starts_at AS "startsAt", s.ends_at AS "endsAt",
         b.notes, b.created_at AS "createdAt", b.cancelled_at AS "cancelledAt", b.cancel_reason AS "cancelReason",
         b.cancelled_by AS "cancelledBy", b.source, b.consent_at AS "consentAt",
         CASE WHEN b.first_name IS NOT NULL
              THEN json_build_object('firstName', b.first_name, 'lastName', b.last_name, 'phone', b.phone) END
           AS "submittedDetails"
  FROM booking b JOIN slot s ON s.id = b.slot_id
  WHERE b.patient_id = $1 ORDER BY s.starts_at DESC, b.id`;

type BookingRow = Omit<
  PatientBookingDto,
  'startsAt' | 'endsAt' | 'createdAt' | 'cancelledAt' | 'consentAt'
> & {
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  cancelledAt: Date | null;
  consentAt: Date | null;
};

const toPatientBookingDto = (b: BookingRow): PatientBookingDto => ({
  ...b,
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
  createdAt: b.createdAt.toISOString(),
  cancelledAt: b.cancelledAt?.toISOString() ?? null,
  consentAt: b.consentAt?.toISOString() ?? null,
});

/** The emails sent about a patient's bookings (not the front desk's notices), oldest first. */
const EMAILS_SQL = `
  SELECT n.kind, n.recipient, n.status, n.created_at AS "createdAt", n.sent_at AS "sentAt"
  FROM notification n JOIN booking b ON b.id = n.booking_id
  WHERE b.patient_id = $1 AND NOT ${isFrontDeskKindSql('n.kind')} ORDER BY n.created_at`;

type EmailRow = { kind: string; recipient: string; status: string; createdAt: Date; sentAt: Date | null };

/**
 * The front desk's read model of patients: search, the record with its bookings, everything
 * held about a patient (GDPR art. 15), and who is due for erasure under the retention period.
 */
@Injectable()
export class PatientRecordQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async search(query: PatientQueryDto): Promise<Page<PatientRecordDto>> {
    const where = new Where().add('erased_at IS NULL');
    const q = query.q?.trim();
    if (q) where.add(`(${(await patientMatches(this.dataSource, where, q)).join(' OR ')})`);
    return fetchPage(
      this.dataSource,
      {
        select: `SELECT ${COLUMNS} FROM patient`,
        countFrom: 'FROM patient',
        orderBy: 'last_name, first_name, id',
      },
      where,
      query,
      toPatientRecordDto,
    );
  }

  async get(id: string): Promise<PatientDetailDto> {
    const [patient, bookings] = await Promise.all([this.find(id), this.bookings(id)]);
    return { ...patient, bookings };
  }

  async export(id: string): Promise<PatientExportDto> {
    const [patient, bookings, emails] = await Promise.all([
      this.find(id),
      this.bookings(id),
      this.dataSource.query<EmailRow[]>(EMAILS_SQL, [id]),
    ]);
    return {
      exportedAt: new Date().toISOString(),
      patient,
      bookings,
      notifications: emails.map((n) => ({
        ...n,
        createdAt: n.createdAt.toISOString(),
        sentAt: n.sentAt?.toISOString() ?? null,
      })),
    };
  }

  /** Patients not yet erased whose last appointment is older than RETENTION_MONTHS. */
  async dueForRetention(now = new Date()): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT p.id FROM patient p
       WHERE p.erased_at IS NULL
         AND NOT EXISTS (
           SELECT 1 FROM booking b JOIN slot s ON s.id = b.slot_id
           WHERE b.patient_id = p.id AND s.starts_at >= $1::timestamptz - make_interval(months => $2))
       ORDER BY p.id`,
      [now, this.config.retentionMonths],
    );
    return rows.map((row) => row.id);
  }

  private async bookings(patientId: string): Promise<PatientBookingDto[]> {
    return (await this.dataSource.query<BookingRow[]>(BOOKINGS_SQL, [patientId])).map(toPatientBookingDto);
  }

  private async find(id: string): Promise<PatientRecordDto> {
    const [row] = await this.dataSource.query<PatientRow[]>(
      `SELECT ${COLUMNS} FROM patient WHERE id = $1 AND erased_at IS NULL`,
      [id],
    );
    if (!row) throw new NotFoundError('There is no patient with this id.');
    return toPatientRecordDto(row);
  }
}
