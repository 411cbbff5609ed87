import { PagesModule } from './pages/pages.module';
import { DynamicModule, Module } from '@nestjs/common';
import type pino from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ROOT_LOGGER } from './common/logging';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { BookingsModule } from './bookings/bookings.module';
import { MetricsModule } from './common/metrics';
import { SharedStore, SharedStoreModule } from './common/shared-store';
import { RateLimitModule } from './common/throttling';
import { PatientsModule } from './patients/patients.module';
import { SlotsModule } from './slots/slots.module';
import { StaffModule } from './staff/staff.module';

@Module({})
export class AppModule {
  /**
   * `config.databaseUrl` must be set: main.ts starts the embedded PostgreSQL before this.
   * `shared` counts limits across instances (REDIS_URL); the HTTP adapter's cap uses the same.
   */
  static register(
    config: AppConfig,
    logger: pino.Logger,
    shared = new SharedStore(config.redisUrl, logger),
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        SharedStoreModule.register(shared),
        MetricsModule,
        DatabaseModule,
        HealthModule,
        AuditModule,
        AuthModule,
        StaffModule,
        RateLimitModule,
        SlotsModule,
        PatientsModule,
        BookingsModule,
        JobsModule,
        PagesModule,
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
    };
  }
}
