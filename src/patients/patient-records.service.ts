import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { BookingsService, PatientBooking } from '../bookings/bookings.service';
import { normalisePhone } from '../bookings/dto/booking-input.dto';
import { NotFoundError } from '../common/domain-error';
import type { Page } from '../common/pagination.dto';
import { searchPattern } from '../common/search';
import { fetchPage } from '../common/sql';
import { APP_CONFIG, AppConfig } from '../config/config';
import type {
  PatientBookingDto,
  PatientDetailDto,
  PatientDto,
  PatientExportDto,
  PatientQueryDto,
} from './dto/patient.dto';
import { PatientsService } from './patients.service';

const RETENTION_EVERY_MS = 24 * 3600_000;
const COLUMNS = `id, first_name AS "firstName", last_name AS "lastName", email, phone, date_of_birth AS "dateOfBirth",
  locale, created_at AS "createdAt"`;

type PatientRow = Omit<PatientDto, 'createdAt'> & { createdAt: Date };

const toPatientDto = (row: PatientRow): PatientDto => ({ ...row, createdAt: row.createdAt.toISOString() });
const toBookingDto = (b: PatientBooking): PatientBookingDto => ({
  ...b,
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
  createdAt: b.createdAt.toISOString(),
  cancelledAt: b.cancelledAt?.toISOString() ?? null,
});

/**
 * Patient records for the front desk: search, the record with its bookings, the GDPR
 * export (art. 15) and erasure (art. 17), and the retention job that erases the personal data
 * of patients whose last appointment is older than RETENTION_MONTHS.
 */
@Injectable()
export class PatientRecordsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PatientRecordsService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly patients: PatientsService,
    private readonly bookings: BookingsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.applyRetention().catch((error: Error) =>
        this.logger.error({ err: error.message }, 'retention run failed'),
      );
    }, RETENTION_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async search(query: PatientQueryDto): Promise<Page<PatientDto>> {
    const conditions = ['erased_at IS NULL'];
    const parameters: unknown[] = [];
    const q = query.q?.trim();
    if (q) {
      parameters.push(await searchPattern(this.dataSource, q));
      const alternatives = [
        `patient_search_text(first_name, last_name, email, phone) LIKE $${parameters.length}`,
      ];
      const phone = normalisePhone(q);
      if (phone) {
        parameters.push(phone);
        alternatives.push(`phone = $${parameters.length}`);
      }
      conditions.push(`(${alternatives.join(' OR ')})`);
    }
    const where = `WHERE ${conditions.join(' AND ')}`;
    const { rows, total } = await fetchPage<PatientRow>(
      this.dataSource,
      {
        select: `SELECT ${COLUMNS} FROM patient`,
        countFrom: 'FROM patient',
        where,
        orderBy: 'last_name, first_name, id',
      },
      parameters,
      query,
    );
    return { data: rows.map(toPatientDto), total, limit: query.limit, offset: query.offset };
  }

  async get(id: string): Promise<PatientDetailDto> {
    const patient = await this.find(id);
    return { ...patient, bookings: (await this.bookings.forPatient(id)).map(toBookingDto) };
  }

  async export(id: string): Promise<PatientExportDto> {
    const patient = await this.find(id);
    const notifications = await this.dataSource.query<
      { kind: string; recipient: string; status: string; createdAt: Date; sentAt: Date | null }[]
    >(
      `SELECT n.kind, n.recipient, n.status, n.created_at AS "createdAt", n.sent_at AS "sentAt"
       FROM notification n JOIN booking b ON b.id = n.booking_id
       WHERE b.patient_id = $1 AND n.kind <> 'staff_new_booking' ORDER BY n.created_at`,
      [id],
    );
    return {
      exportedAt: new Date().toISOString(),
      patient,
      bookings: (await this.bookings.forPatient(id)).map(toBookingDto),
      notifications: notifications.map((n) => ({
        ...n,
        createdAt: n.createdAt.toISOString(),
        sentAt: n.sentAt?.toISOString() ?? null,
      })),
    };
  }

  /** Erases one patient, in one transaction; audited with the request that asked. */
  async erase(id: string, actor: { staffId?: string; requestId?: string }, now = new Date()): Promise<void> {
    const erased = await this.dataSource.transaction(async (manager) => {
      await this.bookings.eraseForPatient(manager, id, now);
      const done = await this.patients.erase(manager, id);
      if (done) {
        await this.audit.record(
          {
            actorType: actor.staffId ? 'staff' : 'system',
            actorId: actor.staffId ?? null,
            action: 'patient.erase',
            recordType: 'patient',
            recordId: id,
            requestId: actor.requestId ?? null,
          },
          manager,
        );
      }
      return done;
    });
    if (!erased)
      throw new NotFoundError('There is no patient with this id (or their data is already erased).');
  }

  /** Erases every patient whose last appointment is older than the retention period. */
  async applyRetention(now = new Date()): Promise<number> {
    const due = await this.dataSource.query<{ id: string }[]>(
      `SELECT p.id FROM patient p
       WHERE p.erased_at IS NULL
         AND NOT EXISTS (
           SELECT 1 FROM booking b JOIN slot s ON s.id = b.slot_id
           WHERE b.patient_id = p.id AND s.starts_at >= $1::timestamptz - make_interval(months => $2))`,
      [now, this.config.retentionMonths],
    );
    for (const { id } of due) await this.erase(id, {}, now);
    if (due.length > 0) this.logger.log({ patients: due.length }, 'retention: erased personal data');
    return due.length;
  }

  private async find(id: string): Promise<PatientDto> {
    const [row] = await this.dataSource.query<PatientRow[]>(
      `SELECT ${COLUMNS} FROM patient WHERE id = $1 AND erased_at IS NULL`,
      [id],
    );
    if (!row) throw new NotFoundError('There is no patient with this id.');
    return toPatientDto(row);
  }
}
