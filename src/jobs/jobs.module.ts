import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BookingLifecycle } from '../bookings/booking-lifecycle';
import { BookingsModule } from '../bookings/bookings.module';
import { BookingsService } from '../bookings/bookings.service';
import { IdempotencyService } from '../bookings/idempotency.service';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutboxMonitor } from '../notifications/outbox-monitor';
import { PatientRecordQueries } from '../patients/patient.queries';
import { PatientsModule } from '../patients/patients.module';
import { Job, JOBS, JobRunner } from './job-runner';
import { applyRetention } from './retention.job';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Every periodic job, declared here: each runs soon after start and then on its interval,
 * on one instance at a time (JobRunner).
 */
@Module({
  imports: [ScheduleModule.forRoot(), BookingsModule, PatientsModule, NotificationsModule],
  providers: [
    JobRunner,
    {
      provide: JOBS,
      inject: [PatientRecordQueries, BookingLifecycle, IdempotencyService, BookingsService, OutboxMonitor],
      useFactory: (
        patients: PatientRecordQueries,
        lifecycle: BookingLifecycle,
        idempotency: IdempotencyService,
        bookings: BookingsService,
        outbox: OutboxMonitor,
      ): Job[] => [
        // Personal data past the retention period (GDPR storage limitation).
        { name: 'retention', everyMs: 24 * HOUR, run: () => applyRetention(patients, lifecycle) },
        // Stored idempotent answers hold personal data: forgotten once past 24 hours.
        {
          name: 'idempotency-purge',
          everyMs: HOUR,
          run: async () => ({ purged: await idempotency.purgeExpired() }),
        },
        // Booking quotas of people with no upcoming booking left.
        {
          name: 'quota-prune',
          everyMs: 24 * HOUR,
          run: async () => ({ pruned: await bookings.pruneQuotas() }),
        },
        // ALERT_EMAIL: dead emails, or email not going out (at most one alert per interval).
        { name: 'outbox-alert', everyMs: MINUTE, quiet: true, run: () => outbox.alertRound() },
      ],
    },
  ],
  exports: [JobRunner],
})
export class JobsModule {}
