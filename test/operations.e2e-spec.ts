import { JobRunner } from '../src/jobs/job-runner';
import { startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';
import { expectProblem, slowBooking } from './support/http';
import { eventually, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const METRICS_TOKEN = 'metrics-token-for-the-tests-0123456789';

/** The value of one sample of a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

describe('operations: metrics', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp(
      {
        SMTP_URL: smtp.url,
        METRICS_TOKEN,
        NOTIFICATION_POLL_MS: '50',
        NOTIFICATION_RETRY_BASE_MS: '200',
        NOTIFICATION_MAX_ATTEMPTS: '3',
      },
      { logLines },
    );
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const scrape = async () => {
    const response = await t.http.get('/metrics', { token: METRICS_TOKEN });
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text;
  };

  it('asks for METRICS_TOKEN as a bearer token', async () => {
    expectProblem(await t.http.get('/metrics'), 401);
    expectProblem(await t.http.get('/metrics', { token: 'not-the-token' }), 401);
    const text = await scrape();
    for (const name of [
      'http_request_duration_seconds',
      'clinic_bookings_made_total',
      'clinic_bookings_cancelled_total',
      'clinic_bookings_refused_total',
      'clinic_outbox_emails',
      'clinic_outbox_oldest_due_seconds',
      'clinic_emails_sent_total',
      'clinic_email_failures_total',
      'clinic_db_pool_connections',
      'clinic_db_pool_waiting',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('moves with a booking, a refusal, a cancellation and an SMTP outage; no patient detail in any label', async () => {
    const before = await scrape();
    const slot = await newSlot(t.dataSource, { capacity: 1 });
    const body = bookingBody(slot.id, { email: 'metrics.patient@example.nl', lastName: 'Janssen' });
    const booked = await t.http.post('/api/v1/bookings', body);
    expect(booked.status).toBe(201);
    await smtp.waitFor(1, to('metrics.patient@example.nl'));
    const full = await t.http.post('/api/v1/bookings', bookingBody(slot.id));
    expectProblem(full, 409);

    const during = await eventually(async () => {
      const text = await scrape();
      expect(sample(text, 'clinic_emails_sent_total', { kind: 'booking_confirmed' })).toBe(
        sample(before, 'clinic_emails_sent_total', { kind: 'booking_confirmed' }) + 1,
      );
      return text;
    });
    const delta = (name: string, labels: Record<string, string>) =>
      sample(during, name, labels) - sample(before, name, labels);
    expect(delta('clinic_bookings_made_total', { source: 'online' })).toBe(1);
    expect(delta('clinic_bookings_refused_total', { reason: 'slot-full' })).toBe(1);
    expect(
      delta('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/bookings',
        status: '201',
      }),
    ).toBe(1);
    expect(
      delta('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/bookings',
        status: '409',
      }),
    ).toBe(1);
    expect(sample(during, 'clinic_outbox_emails', { status: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(sample(during, 'clinic_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);

    // The patient cancels with the link: counted by who cancelled.
    const cancelled = await t.http.post(`/api/v1/bookings/${booked.json.reference}/cancel`, undefined, {
      headers: { 'x-booking-token': booked.json.manageToken },
    });
    expect(cancelled.status).toBe(200);
    const afterCancel = await scrape();
    expect(sample(afterCancel, 'clinic_bookings_cancelled_total', { by: 'patient' })).toBe(
      sample(before, 'clinic_bookings_cancelled_total', { by: 'patient' }) + 1,
    );

    // The mail server goes away: sends fail, email waits in the outbox, its age grows.
    await smtp.stop();
    try {
      const other = await newSlot(t.dataSource, { capacity: 2 });
      expect((await t.http.post('/api/v1/bookings', bookingBody(other.id))).status).toBe(201);
      const outage = await eventually(async () => {
        const text = await scrape();
        expect(sample(text, 'clinic_email_failures_total', { outcome: 'retry' })).toBeGreaterThan(
          sample(before, 'clinic_email_failures_total', { outcome: 'retry' }),
        );
        expect(sample(text, 'clinic_outbox_emails', { status: 'failed' })).toBeGreaterThanOrEqual(1);
        expect(sample(text, 'clinic_outbox_oldest_due_seconds')).toBeGreaterThan(0.3);
        return text;
      });
      // The booking path is unaffected: a booking during the outage still answers at once.
      expect(sample(outage, 'clinic_bookings_made_total', { source: 'online' })).toBe(
        sample(before, 'clinic_bookings_made_total', { source: 'online' }) + 2,
      );
    } finally {
      await smtp.start();
    }
    // Back: the waiting email goes out and the oldest due age falls back to 0 (the reminders
    // stay pending: they are not due yet).
    await eventually(async () => {
      const text = await scrape();
      expect(sample(text, 'clinic_outbox_emails', { status: 'failed' })).toBe(0);
      expect(sample(text, 'clinic_outbox_oldest_due_seconds')).toBe(0);
    }, 20_000);

    // Labels hold route templates and codes: never the reference, an address or a name.
    const text = await scrape();
    for (const secret of [
      booked.json.reference,
      booked.json.manageToken,
      'metrics.patient',
      'Janssen',
      '?',
    ]) {
      const labelled = text.split('\n').filter((line) => !line.startsWith('#') && line.includes(secret));
      expect(labelled).toEqual([]);
    }
    expect(text).toContain('route="/api/v1/bookings/:reference/cancel"');
  });

  it('labels a request no route matched as unmatched, not by its path', async () => {
    expect((await t.http.get('/no/such/path/for.anna@example.nl')).status).toBe(404);
    const text = await scrape();
    expect(
      sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThan(0);
    expect(text).not.toContain('for.anna');
  });
});

describe('operations: alerts to ALERT_EMAIL', () => {
  let smtp: TestSmtpServer;
  const apps: TestApp[] = [];
  // Nest's Logger writes to the last app's logger: the second instance's.
  const logLines: string[] = [];
  const ALERTS = { ALERT_EMAIL: 'ops@clinic.test', ALERT_INTERVAL_MINUTES: '60' };
  beforeAll(async () => {
    smtp = await startSmtpServer();
    const first = await startTestApp({
      ...ALERTS,
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      NOTIFICATION_RETRY_BASE_MS: '50',
      NOTIFICATION_MAX_ATTEMPTS: '2',
    });
    apps.push(first);
    // A second instance on the same database (it sends no patient email itself).
    apps.push(
      await startTestApp(
        {
          ...ALERTS,
          SMTP_URL: smtp.url,
          NOTIFICATION_DISPATCH: 'off',
          DATABASE_URL: first.config.databaseUrl!,
        },
        { logLines },
      ),
    );
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await smtp.stop();
  });

  const alertRound = (app: TestApp) => app.app.get(JobRunner).runExclusive('outbox-alert');
  const alerts = () => smtp.messages.filter(to('ops@clinic.test'));
  /** As if the alert interval had passed since the last alert was tried. */
  const intervalPasses = () =>
    apps[0].dataSource.query(`UPDATE outbox_alert SET last_tried_at = last_tried_at - interval '61 minutes'`);

  it('tells the operator once per interval across instances, with counts and errors but no patient', async () => {
    const [t] = apps;
    // Nothing is wrong: no alert.
    await Promise.all(apps.map(alertRound));
    expect(alerts()).toHaveLength(0);

    // The mail server refuses the patient's address for good: the email goes dead.
    smtp.mode = 'refuse-recipient';
    const slot = await newSlot(t.dataSource, { capacity: 1 });
    const booked = await t.http.post(
      '/api/v1/bookings',
      bookingBody(slot.id, { email: 'dead.alert@example.nl', lastName: 'Bakker' }),
    );
    expect(booked.status).toBe(201);
    await eventually(async () => {
      const [row] = await t.dataSource.query(
        `SELECT status FROM notification WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
        [booked.json.id],
      );
      expect(row.status).toBe('dead');
    });
    smtp.mode = 'accept';

    // Both instances run the alert round at once (and again): one alert.
    await Promise.all([...apps.map(alertRound), ...apps.map(alertRound)]);
    await Promise.all(apps.map(alertRound));
    const [alert] = await smtp.waitFor(1, subject(/needs attention/));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alerts()).toHaveLength(1);
    expect(alert.text).toContain('1 email(s) could not be delivered');
    expect(alert.text).toContain('booking_confirmed, 2 attempt(s)');
    for (const detail of ['dead.alert', 'Bakker', booked.json.reference])
      expect(alert.text).not.toContain(detail);

    // Within the interval, a new dead email waits for the next alert.
    await t.dataSource.query(
      `UPDATE notification SET status = 'dead', updated_at = now(), last_error = '550 rejected'
        WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
      [booked.json.id],
    );
    await Promise.all(apps.map(alertRound));
    expect(alerts()).toHaveLength(1);
    // The interval passes: the next round tells of it; the one already reported is not told again.
    await intervalPasses();
    await alertRound(apps[1]);
    const second = (await smtp.waitFor(2, to('ops@clinic.test')))[1];
    expect(second.text).toContain('1 email(s) could not be delivered');
    // Nothing new: no alert even after the interval.
    await intervalPasses();
    await Promise.all(apps.map(alertRound));
    expect(alerts()).toHaveLength(2);
  });

  it('tells when the oldest due email has waited over 15 minutes; an alert that cannot be sent is logged and tried after the interval', async () => {
    const [t] = apps;
    await intervalPasses();
    // An email held back (as if the mail server had refused it for 20 minutes).
    const slot = await newSlot(t.dataSource, { capacity: 1 });
    smtp.mode = 'refuse';
    const booked = await t.http.post('/api/v1/bookings', bookingBody(slot.id));
    expect(booked.status).toBe(201);
    await t.dataSource.query(
      `UPDATE notification SET status = 'failed', attempts = 1, first_failed_at = now() - interval '20 minutes',
         not_before = now() + interval '1 hour', locked_by = NULL, locked_until = NULL
       WHERE booking_id = $1`,
      [booked.json.id],
    );
    // The mail server is down for the alert too: logged, not retried within the interval.
    await smtp.stop();
    try {
      const sentBefore = alerts().length;
      const logged = logLines.length;
      await alertRound(apps[1]);
      expect(logLines.slice(logged).filter((line) => line.includes('operator alert'))).toEqual([
        expect.stringContaining('the operator alert could not be sent'),
      ]);
      await alertRound(t);
      expect(alerts()).toHaveLength(sentBefore);
    } finally {
      smtp.mode = 'accept';
      await smtp.start();
    }
    await alertRound(t);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const count = alerts().length;
    await intervalPasses();
    await alertRound(t);
    const last = (await smtp.waitFor(count + 1, to('ops@clinic.test'))).at(-1)!;
    expect(last.text).toMatch(/has waited 2\d minutes: email is not going out/);
  });
});

describe('operations: email while the instance is busy', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      NOTIFICATION_BUSY_DEFER_MS: '3000',
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Requests whose body never finishes arriving: in flight until cut. */
  const holdRequests = async (count: number) => {
    const held = Array.from({ length: count }, () => slowBooking(t.url).request);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return () => held.forEach((request) => request.destroy());
  };

  it('sends at once when not busy; when busy, only what has waited NOTIFICATION_BUSY_DEFER_MS, the rest when the rush is over', async () => {
    const slot = await newSlot(t.dataSource, { capacity: 5 });
    const quiet = await t.http.post('/api/v1/bookings', bookingBody(slot.id, { email: 'quiet@example.nl' }));
    expect(quiet.status).toBe(201);
    await smtp.waitFor(1, to('quiet@example.nl'), 2_000);

    const release = await holdRequests(8);
    try {
      const started = Date.now();
      const busy = await t.http.post('/api/v1/bookings', bookingBody(slot.id, { email: 'busy@example.nl' }));
      expect(busy.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(smtp.messages.filter(to('busy@example.nl'))).toHaveLength(0);
      // Still busy: once due for 3 s it goes all the same.
      await smtp.waitFor(1, to('busy@example.nl'), 5_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);

      const queued = await t.http.post(
        '/api/v1/bookings',
        bookingBody(slot.id, { email: 'after@example.nl' }),
      );
      expect(queued.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(smtp.messages.filter(to('after@example.nl'))).toHaveLength(0);
    } finally {
      release();
    }
    // The rush is over: what waited goes at once.
    await smtp.waitFor(1, to('after@example.nl'), 1_500);
  });
});
