import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { createRootLogger } from '../../src/common/logging';
import { AppConfig, loadConfig } from '../../src/config/config';
import { StaffService } from '../../src/staff/staff.service';
import type { StaffRole } from '../../src/common/access';
import { createTestDatabase } from './database';
import { TEST_ENV } from './test-env';
import { HttpClient } from './http';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  http: HttpClient;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The real app (setupApp applied, as in production) on a free loopback port, against a
 * database of its own unless `DATABASE_URL` is passed in `env`.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { logLines?: string[] } = {},
): Promise<TestApp> {
  const databaseUrl =
    env.DATABASE_URL ?? (await createTestDatabase(expect.getState().testPath?.split('/').pop()));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'clinic-booking-data-')),
    // Every test client is 127.0.0.1: the per-address limits would throttle the load tests.
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_CONCURRENT_PER_CLIENT: '0',
    // Three jest workers share one server (100 connections on a stock PostgreSQL).
    DATABASE_POOL_SIZE: '5',
    // Periodic jobs run when a test asks for them (test/jobs.e2e-spec.ts), not in the middle of another's.
    SCHEDULED_JOBS: 'off',
    // Test slots lie a year and more ahead (newSlot), apart from each test's own; the horizon
    // is tested where a test sets it (test/front-desk-day.e2e-spec.ts).
    BOOKING_HORIZON_DAYS: '3650',
    PAGES_DIR: process.env[TEST_ENV.pagesDir] ?? '',
    ...env,
    DATABASE_URL: databaseUrl,
  });
  // With `logLines`, every line the app logs (at debug) is kept there, for a test to read.
  const lines = options.logLines;
  const logger = lines
    ? createRootLogger({ ...config, logLevel: 'debug' }, { write: (line: string) => void lines.push(line) })
    : createRootLogger(config);
  const app = await createApp({ ...config, databaseUrl }, logger);
  const url = await listenOnLoopback(app);
  return {
    app,
    config,
    url,
    http: new HttpClient(url),
    dataSource: app.get(DataSource),
    close: () => app.close(),
  };
}

/** Listens on a free loopback port; answers the base URL. */
export async function listenOnLoopback(app: NestFastifyApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

let staffCounter = 0;

/** A new staff account with a unique email, signed in: its bearer token. */
export async function signedInStaff(testApp: TestApp, role: StaffRole = 'receptionist') {
  const email = `staff${++staffCounter}.${Date.now()}@clinic.test`;
  const password = 'correct horse battery staple';
  const staff = await testApp.app.get(StaffService).create({ email, password, role });
  const response = await testApp.http.post('/api/v1/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return { staff, email, password, token: response.json.accessToken as string };
}
