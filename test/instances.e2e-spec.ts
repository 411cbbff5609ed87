import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { startControlledCluster } from './support/cluster';
import { createEmptyDatabase } from './support/database';
import { bookingBody } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, subject } from './support/mail';
import { AppProcess, spawnApp, waitUntilReady } from './support/process';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const SHARED_SECRET = 'one-secret-for-every-instance-of-this-test';

interface Instance {
  process: AppProcess;
  http: HttpClient;
}

async function startInstances(count: number, env: Record<string, string>): Promise<Instance[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const port = await freePort();
      const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-instance-'));
      const process = spawnApp({
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
        MAX_CONCURRENT_PER_CLIENT: '0',
        // Instances of one deployment share their secret (production requires JWT_SECRET).
        JWT_SECRET: SHARED_SECRET,
        DATA_DIR: dataDir,
        PORT: String(port),
        ...env,
      });
      await waitUntilReady(process, `http://127.0.0.1:${port}/health/ready`);
      return { process, http: new HttpClient(`http://127.0.0.1:${port}`) };
    }),
  );
}

async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async ({ process }) => {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.child.kill('SIGTERM');
        await process.exited;
      }
    }),
  );
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('three app processes on one database', () => {
  let smtp: TestSmtpServer;
  let instances: Instance[] = [];
  let databaseUrl: string;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    databaseUrl = await createEmptyDatabase('threeprocs');
    // All three start at once on an empty database: the migration lock is part of the test.
    instances = await startInstances(3, {
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '100',
      BOOKING_MIN_NOTICE_MINUTES: '0',
    });
  }, 120_000);
  afterAll(async () => {
    await stopInstances(instances);
    await smtp.stop();
  });

  it('never overbooks: 200 concurrent clients per round, capacities 1, 2 and 5, every confirmation sent once', async () => {
    const rounds = [1, 2, 5, 1, 2, 5, 1, 2, 5];
    let expectedConfirmations = 0;
    for (const [round, capacity] of rounds.entries()) {
      const slotId = randomUUID();
      await withClient(databaseUrl, (client) =>
        client.query(
          `INSERT INTO slot (id, starts_at, ends_at, capacity) VALUES ($1, now() + make_interval(days => 30 + $2), now() + make_interval(days => 30 + $2, mins => 30), $3)`,
          [slotId, round, capacity],
        ),
      );
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          instances[i % 3].http.post(
            '/api/v1/bookings',
            bookingBody(slotId, { email: `r${round}.c${i}@load.test` }),
          ),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect({
        round,
        created: statuses.filter((s) => s === 201).length,
        conflicts: statuses.filter((s) => s === 409).length,
      }).toEqual({
        round,
        created: capacity,
        conflicts: 200 - capacity,
      });
      expectedConfirmations += capacity;
    }
    const [counts] = await withClient(
      databaseUrl,
      async (client) =>
        (
          await client.query(
            `SELECT count(*) FILTER (WHERE s.booked_count <> (SELECT count(*) FROM booking b WHERE b.slot_id = s.id AND b.status = 'booked'))::int AS mismatched,
                  sum(s.booked_count)::int AS places
           FROM slot s`,
          )
        ).rows,
    );
    expect(counts).toEqual({ mismatched: 0, places: expectedConfirmations });
    const confirmations = await smtp.waitFor(expectedConfirmations, subject(/booked/), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const all = smtp.messages.filter(subject(/booked/));
    expect(all).toHaveLength(expectedConfirmations);
    expect(new Set(all.map((m) => m.messageId)).size).toBe(confirmations.length);
  });

  it('delivers the emails of an instance killed mid-dispatch once its lease ends', async () => {
    // A fourth instance with a short lease takes the rows; it dies while the mail server is
    // still answering its first messages.
    smtp.delayMs = 1500;
    const [doomed] = await startInstances(1, {
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      NOTIFICATION_LEASE_MS: '3000',
    });
    try {
      await stopInstances(instances); // the others pause, so the doomed one claims
      instances = [];
      const before = smtp.messages.length;
      await withClient(databaseUrl, (client) =>
        client.query(
          `INSERT INTO notification (kind, recipient, locale, payload)
           SELECT 'staff_new_booking', 'killed' || g || '@clinic.test', 'en',
                  jsonb_build_object('reference', 'B12-KKKKK' || g, 'slotId', 's', 'startsAt', '2027-05-04T08:00:00Z',
                                     'endsAt', '2027-05-04T08:30:00Z', 'firstName', 'K', 'lastName', 'L', 'sequence', 0)
           FROM generate_series(1, 8) AS g`,
        ),
      );
      await eventually(async () => {
        const { rows } = await withClient(databaseUrl, (client) =>
          client.query(
            `SELECT count(*)::int AS n FROM notification WHERE recipient LIKE 'killed%' AND locked_by IS NOT NULL`,
          ),
        );
        expect(rows[0].n).toBe(8);
      });
      doomed.process.child.kill('SIGKILL');
      await doomed.process.exited;
      smtp.delayMs = 0;
      instances = await startInstances(2, {
        DATABASE_URL: databaseUrl,
        SMTP_URL: smtp.url,
        NOTIFICATION_POLL_MS: '100',
      });
      await eventually(async () => {
        const { rows } = await withClient(databaseUrl, (client) =>
          client.query(
            `SELECT status, count(*)::int AS n FROM notification WHERE recipient LIKE 'killed%' GROUP BY status`,
          ),
        );
        expect(rows).toEqual([{ status: 'sent', n: 8 }]);
      }, 30_000);
      const received = smtp.messages.slice(before).filter((m) => /killed/.test(JSON.stringify(m.to)));
      expect(new Set(received.map((m) => JSON.stringify(m.to))).size).toBe(8);
    } finally {
      smtp.delayMs = 0;
      await stopInstances([doomed]);
    }
  });
});

describe('a database restart while bookings come in', () => {
  it('answers 503 fast during the outage, recovers by itself, and loses no committed booking or its email', async () => {
    const database = await startControlledCluster();
    const smtp = await startSmtpServer();
    let instances: Instance[] = [];
    try {
      instances = await startInstances(1, {
        DATABASE_URL: database.url,
        SMTP_URL: smtp.url,
        NOTIFICATION_POLL_MS: '100',
        NOTIFICATION_RETRY_BASE_MS: '200',
        NOTIFICATION_MAX_ATTEMPTS: '30',
        BOOKING_MIN_NOTICE_MINUTES: '0',
      });
      const [{ http }] = instances;
      const slotId = randomUUID();
      await withClient(database.url, (client) =>
        client.query(
          `INSERT INTO slot (id, starts_at, ends_at, capacity) VALUES ($1, now() + interval '10 days', now() + interval '10 days 30 minutes', 50)`,
          [slotId],
        ),
      );

      const created: string[] = [];
      const failures: { status: number; ms: number; type?: string }[] = [];
      let stop = false;
      let n = 0;
      const client = async () => {
        while (!stop && n < 400) {
          const started = Date.now();
          const response = await http.post(
            '/api/v1/bookings',
            bookingBody(slotId, { email: `restart${n++}@load.test` }),
          );
          if (response.status === 201) created.push(response.json.reference);
          else
            failures.push({ status: response.status, ms: Date.now() - started, type: response.json?.type });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const load = Promise.all([client(), client(), client()]);
      await eventually(() => expect(created.length).toBeGreaterThan(5));

      await database.stop();
      const ready = await http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.contentType).toMatch(/problem\+json/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const duringOutage = failures.length;
      await database.start();
      await eventually(async () => expect((await http.get('/health/ready')).status).toBe(200), 20_000);
      const afterRestart = created.length;
      await eventually(() => expect(created.length).toBeGreaterThan(afterRestart + 5), 20_000);
      stop = true;
      await load;

      expect(duringOutage).toBeGreaterThan(0);
      if (failures.some((f) => f.status !== 503)) console.log(instances[0].process.output());
      for (const failure of failures) {
        expect(failure.status).toBe(503);
        expect(failure.type).toMatch(/database-unavailable$/);
        expect(failure.ms).toBeLessThan(6000);
      }
      expect((await http.get('/health')).status).toBe(200);
      const stored = await withClient(database.url, async (c) =>
        (await c.query(`SELECT reference FROM booking WHERE slot_id = $1`, [slotId])).rows.map(
          (r) => r.reference,
        ),
      );
      expect(stored.sort()).toEqual([...created].sort());
      for (const reference of created) {
        await smtp.waitFor(1, (m) => (m.subject ?? '').includes(reference), 30_000);
      }
    } catch (error) {
      // What the instance said (and whether it exited) is what explains a failure here.
      const [instance] = instances;
      if (instance) {
        const exit = instance.process.child.exitCode ?? instance.process.child.signalCode ?? 'running';
        (error as Error).message +=
          `\n\nThe instance (${exit}) logged:\n${instance.process.output().slice(-4000)}`;
      }
      throw error;
    } finally {
      await stopInstances(instances);
      await smtp.stop();
      await database.close();
    }
  });
});
