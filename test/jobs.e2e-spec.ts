import { Client } from 'pg';
import { JobRunner } from '../src/jobs/job-runner';
import { startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';
import { createTestDatabase } from './support/database';

/** Periodic jobs: soon after start, then on their interval, one instance at a time. */
describe('scheduled jobs', () => {
  let databaseUrl: string;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase('jobs');
    // Two instances on one database, their timers off: the tests run rounds themselves.
    a = await startTestApp({ DATABASE_URL: databaseUrl, BOOKING_MIN_NOTICE_MINUTES: '0' });
    b = await startTestApp({ DATABASE_URL: databaseUrl });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  /** `n` patients whose only appointment was years ago: due for erasure. */
  async function duePatients(n: number, label: string): Promise<string[]> {
    const emails: string[] = [];
    for (let i = 0; i < n; i++) {
      const slot = await newSlot(a.dataSource);
      const email = `${label}.${i}.${Date.now()}@example.nl`;
      const response = await a.http.post('/api/v1/bookings', bookingBody(slot.id, { email }));
      expect(response.status).toBe(201);
      await a.dataSource.query(
        `UPDATE slot SET starts_at = starts_at - interval '5 years', ends_at = ends_at - interval '5 years'
         WHERE id = $1`,
        [slot.id],
      );
      emails.push(email);
    }
    return emails;
  }

  const remaining = async (emails: string[]) =>
    (await a.dataSource.query(`SELECT count(*)::int AS n FROM patient WHERE email = ANY($1)`, [emails]))[0].n;
  const erasures = async () =>
    (await a.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'patient.erase'`))[0]
      .n;

  it('skips a round while another instance holds the job, and runs it once the holder is done', async () => {
    const emails = await duePatients(2, 'held');
    const holder = new Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      // What an instance in the middle of the same job holds.
      await holder.query(`SELECT pg_advisory_lock(${0x6a6f6273}, hashtext('retention'))`);
      expect(await a.app.get(JobRunner).runExclusive('retention')).toBe(false);
      expect(await remaining(emails)).toBe(2);
      await holder.query(`SELECT pg_advisory_unlock(${0x6a6f6273}, hashtext('retention'))`);
    } finally {
      await holder.end();
    }
    expect(await a.app.get(JobRunner).runExclusive('retention')).toBe(true);
    expect(await remaining(emails)).toBe(0);
  });

  it('erases each due patient once when two instances run the job at the same moment', async () => {
    const before = await erasures();
    const emails = await duePatients(6, 'together');
    const rounds = await Promise.all([
      a.app.get(JobRunner).runExclusive('retention'),
      b.app.get(JobRunner).runExclusive('retention'),
    ]);
    expect(rounds).toContain(true);
    expect(await remaining(emails)).toBe(0);
    expect((await erasures()) - before).toBe(6);
  });

  it('logs a patient that cannot be erased and goes on with the others', async () => {
    const emails = await duePatients(3, 'stubborn');
    await a.dataSource.query(
      `CREATE FUNCTION refuse_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'injected failure'; END $$;
       CREATE TRIGGER refuse_erasure BEFORE UPDATE ON patient FOR EACH ROW
       WHEN (OLD.email = '${emails[1]}') EXECUTE FUNCTION refuse_erasure()`,
    );
    try {
      expect(await a.app.get(JobRunner).runExclusive('retention')).toBe(true);
      const left = await a.dataSource.query(`SELECT email FROM patient WHERE email = ANY($1)`, [emails]);
      expect(left).toEqual([{ email: emails[1] }]);
    } finally {
      await a.dataSource.query(`DROP TRIGGER refuse_erasure ON patient; DROP FUNCTION refuse_erasure()`);
    }
  });

  it('forgets the booking quotas of people with no upcoming booking, untouched for a day', async () => {
    const slot = await newSlot(a.dataSource, { capacity: 2 });
    const booked = await a.http.post('/api/v1/bookings', bookingBody(slot.id));
    expect(booked.status).toBe(201);
    await a.dataSource.query(
      `INSERT INTO booking_quota (identity, entries, updated_at) VALUES
         ($1, $2::jsonb, now() - interval '2 days'), ($3, '[]', now() - interval '2 days'), ($4, '[]', now())`,
      [
        'a'.repeat(64),
        JSON.stringify([{ id: booked.json.id, at: new Date().toISOString() }]),
        'b'.repeat(64),
        'c'.repeat(64),
      ],
    );
    expect(await a.app.get(JobRunner).runExclusive('quota-prune')).toBe(true);
    const left = await a.dataSource.query(
      `SELECT identity FROM booking_quota WHERE identity IN ($1, $2, $3) ORDER BY identity`,
      ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)],
    );
    expect(left.map((r: { identity: string }) => r.identity[0])).toEqual(['a', 'c']);
  });

  it('runs each job once soon after start, without being asked', async () => {
    const emails = await duePatients(1, 'at-start');
    await a.dataSource.query(
      `INSERT INTO idempotency_key (key, request_hash, created_at) VALUES ('old-key', 'x', now() - interval '2 days')`,
    );
    const c = await startTestApp({
      DATABASE_URL: databaseUrl,
      SCHEDULED_JOBS: 'on',
      JOBS_FIRST_RUN_DELAY_MS: '100',
    });
    // Each job runs on its own soon after start: wait for every one's effect, not only the first's.
    const oldKeys = async () =>
      (await a.dataSource.query(`SELECT count(*)::int AS n FROM idempotency_key WHERE key = 'old-key'`))[0]
        .n as number;
    try {
      for (let i = 0; i < 100 && ((await remaining(emails)) > 0 || (await oldKeys()) > 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await remaining(emails)).toBe(0);
      expect(await oldKeys()).toBe(0);
    } finally {
      await c.close();
    }
  });
});
