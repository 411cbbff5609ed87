import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { listenOnLoopback } from './support/app';
import { createTestDatabase } from './support/database';
import { bookingBody, newSlot } from './support/factories';
import { HttpClient } from './support/http';
import { eventually } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

/** A mail server that refuses a patient's address quotes it; neither the log nor the outbox keeps it. */
describe('email addresses in errors', () => {
  const lines: string[] = [];
  let smtp: TestSmtpServer;
  let close: () => Promise<void>;
  let http: HttpClient;
  let query: (sql: string, parameters?: unknown[]) => Promise<{ last_error: string | null }[]>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    smtp.mode = 'refuse-recipient';
    const databaseUrl = await createTestDatabase('redaction');
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      DATA_DIR: '/tmp/clinic-booking-redaction',
      LOG_LEVEL: 'debug',
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      NOTIFICATION_RETRY_BASE_MS: '60000',
      SCHEDULED_JOBS: 'off',
      BOOKING_HORIZON_DAYS: '3650',
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await createApp({ ...config, databaseUrl }, pino({ level: 'debug' }, sink));
    http = new HttpClient(await listenOnLoopback(app));
    const { DataSource } = await import('typeorm');
    const dataSource = app.get(DataSource);
    query = (sql, parameters) => dataSource.query(sql, parameters);
    await newSlot(dataSource, { capacity: 1 }).then(async (slot) => {
      const response = await http.post(
        '/api/v1/bookings',
        bookingBody(slot.id, { email: 'refused.recipient@example.nl' }),
      );
      expect(response.status).toBe(201);
    });
    close = async () => {
      await app.close();
      await smtp.stop();
    };
  });
  afterAll(() => close());

  it('keeps the domain and the reason, never the address, in lastError and the log', async () => {
    const [row] = await eventually(async () => {
      const rows = await query(`SELECT last_error FROM notification WHERE kind = 'booking_confirmed'`);
      expect(rows[0]?.last_error).toMatch(/550/);
      return rows;
    });
    expect(row.last_error).toContain('<…@example.nl>: Recipient address rejected');
    const log = lines.join('');
    expect(log).toMatch(/send failed|email is dead/);
    expect(`${row.last_error}\n${log}`).not.toContain('refused.recipient');
  });
});
