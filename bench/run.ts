/**
 * npm run bench: the app against the raw-SQL baseline (bench/baseline.ts) on one PostgreSQL,
 * and its bookings against the least a booking can cost (bench/least-cost.ts, a minimal schema
 * in a database of its own). Starts its own PostgreSQL (the project's embedded one, with
 * pg_stat_statements, unless DATABASE_URL), builds and starts the app as production runs it
 * (email dispatch on, sending to an SMTP sink in a process of its own: bench/smtp-sink.ts), the
 * baseline and the least cost as processes, seeds 100,000 slots and 100,000 bookings with its
 * own SQL, then runs each scenario (the fixed cost of a request and the two reads first) with
 * autocannon, the servers alternated, warm-up first, median of three, each run's ratio kept
 * (targets hold in the slowest), each run started from a settled server (settle). After each of the app's booking runs it reads how far the outbox fell behind and
 * waits until it is empty. Then each scenario again at half the app's maximum rate, evenly paced
 * (bench/paced.ts, in a process of its own), for latency at a stated load, the outbox sampled
 * meanwhile. Last, where a booking's time goes inside PostgreSQL (bench/accounting.ts).
 * Writes bench/results/latest.json and latest.md. Options:
 * BENCH_CONNECTIONS (default 32), BENCH_SECONDS (default 10), BENCH_SCENARIOS (say "1,4": only
 * those; the results files are then left alone), BENCH_APP_FLAGS (more Node flags for the app).
 */
import autocannon from 'autocannon';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
// Only to run a PostgreSQL server, as the tests do; everything said to the app goes over HTTP.
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { seedVolume } from '../test/support/seed';
import { indexCosts, loggedStatements, resetLoggedStatements, statementCost } from './accounting';
import { BOOK_SQL, bookingParameters } from './baseline';
import { bookingBodies } from './bodies';
import { LEAST_COST_BOOK_SQL, seedLeastCost } from './least-cost';
import { pacedInChild, PacedResult } from './paced';
import { Accounting, OutboxLag, renderMarkdown, Report, ScenarioResult } from './report';

const ROOT = join(__dirname, '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = 3;
const POOL_SIZE = 20;
const ONLY = process.env.BENCH_SCENARIOS?.split(',').map(Number);
/**
 * Node flags of the app's production start (package.json's start:prod, the Dockerfile), and
 * BENCH_APP_FLAGS for a look inside (say "--cpu-prof --cpu-prof-dir=/tmp/profiles").
 */
const START_FLAGS = ['--no-allocation-site-pretenuring', ...(process.env.BENCH_APP_FLAGS?.split(' ') ?? [])];

const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server process's CPU time (user and system, all its threads) per request, in µs. */
  cpuUs?: number;
}

interface Target {
  name: 'app' | 'baseline' | 'least';
  url: string;
  headers: Record<string, string>;
  pid: number;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }));
  } catch {
    return NaN;
  }
})();

/** A process's CPU time so far (user and system), in µs; undefined where /proc is not there. */
async function cpuTimeUs(pid: number): Promise<number | undefined> {
  try {
    // The fields after the command's name, which is in parentheses and may hold spaces.
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
  } catch {
    return undefined;
  }
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not come up`);
}

async function run(target: Target, scenario: Scenario, seconds: number): Promise<Result> {
  const cpuBefore = await cpuTimeUs(target.pid);
  const result = await load(target, scenario, seconds);
  const cpuAfter = await cpuTimeUs(target.pid);
  const cpuUs =
    cpuBefore === undefined || cpuAfter === undefined || !result.total
      ? undefined
      : (cpuAfter - cpuBefore) / result.total;
  return { ...result, cpuUs };
}

function load(target: Target, scenario: Scenario, seconds: number): Promise<Result & { total: number }> {
  const body = scenario.bookingSlots && bookingBodies(scenario.bookingSlots);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: CONNECTIONS,
        duration: seconds,
        headers: {
          ...target.headers,
          ...(scenario.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        requests: [
          {
            method: scenario.method,
            path: scenario.path,
            setupRequest: (request) => (body ? { ...request, body: body() } : request),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          total: result.requests.total,
        });
      },
    );
    autocannon.track(instance, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
}

interface Scenario {
  id: number;
  title: string;
  method: 'GET' | 'POST';
  path: string;
  /** A booking scenario: each request a new patient on one of these slots. */
  bookingSlots?: string[];
  expectStatus: number;
  /** Also measured against the least cost (full load only). */
  leastCost?: boolean;
  /** Measured at full load only (no half-rate runs). */
  fullLoadOnly?: boolean;
}

/** Confirmations due and not yet sent, and the oldest one's age (the benchmark's own SQL). */
async function outboxLag(db: Client): Promise<OutboxLag> {
  const { rows } = await db.query<{ behind: number; oldest: number }>(
    `SELECT count(*)::int AS behind, coalesce(extract(epoch FROM now() - min(not_before)), 0)::float8 AS oldest
       FROM notification WHERE status IN ('pending', 'failed') AND not_before <= now()`,
  );
  return { behind: rows[0].behind, oldestSeconds: rows[0].oldest };
}

/**
 * Every measured run starts from the same state of the server: no autovacuum at work (waited for,
 * at most a minute) and no dirty buffers (CHECKPOINT). Otherwise the run after the most WAL
 * (whichever server comes next in the order) meets the checkpoint and the full-page writes that
 * WAL brings, and the vacuum of the rows just written.
 */
async function settle(db: Client): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
    );
    if (rows[0].n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await db.query('CHECKPOINT');
}

/** Waits until the outbox has nothing due (at most two minutes): how long that took, in seconds. */
async function drain(db: Client): Promise<number> {
  const started = Date.now();
  while ((await outboxLag(db)).behind > 0 && Date.now() - started < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (Date.now() - started) / 1000;
}

/** The outbox at its worst while `work` runs, sampled every 200 ms. */
async function worstLagDuring<T>(db: Client, work: Promise<T>): Promise<{ result: T; worst: OutboxLag }> {
  let done = false;
  const worst: OutboxLag = { behind: 0, oldestSeconds: 0 };
  const sampling = (async () => {
    while (!done) {
      const lag = await outboxLag(db);
      worst.behind = Math.max(worst.behind, lag.behind);
      worst.oldestSeconds = Math.max(worst.oldestSeconds, lag.oldestSeconds);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    return { result: await work, worst };
  } finally {
    done = true;
    await sampling;
  }
}

/** Starts a bench process that prints its port as `port N`. */
async function startSink(children: ChildProcess[]): Promise<number> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', 'bench/smtp-sink.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH!, TS_NODE_SWC: 'true' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /port (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited ${code}`)));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median rate and latencies of several runs. */
const medians = (runs: { rps: number; p50: number; p99: number; cpuUs?: number }[]) => ({
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  ...(runs.every((r) => r.cpuUs !== undefined) ? { cpuUs: median(runs.map((r) => r.cpuUs!)) } : {}),
});

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'clinic-booking-bench-'));
  const children: ChildProcess[] = [];
  let stopDatabase: (() => Promise<void>) | undefined;
  try {
    // 1. PostgreSQL and an empty database.
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      log('starting an embedded PostgreSQL');
      const embedded = await startEmbeddedPostgres(work, {
        settings: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=off'],
      });
      stopDatabase = embedded.stop;
      adminUrl = embedded.url;
    }
    const databaseName = `clinic_bench_${Date.now()}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    await admin.query(`CREATE DATABASE ${databaseName}_least`);
    const [{ server_version: version }] = (await admin.query('SHOW server_version')).rows;
    await admin.end();
    const urlOf = (name: string) => {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    };
    const databaseUrl = urlOf(databaseName);
    const leastCostUrl = urlOf(`${databaseName}_least`);
    const smtpPort = await startSink(children);

    // 2. The app (production build, started as production starts it), which migrates the
    // database as it boots.
    log('building the app (nest build)');
    execSync('npx nest build', { cwd: ROOT, stdio: 'ignore' });
    const appPort = await freePort();
    const basePort = await freePort();
    // The benchmark's slots lie 10 to 13 years ahead (clear of the seeded volume): both sides
    // check the booking horizon, set past them.
    const environment = { PATH: process.env.PATH!, DATABASE_URL: databaseUrl, BOOKING_HORIZON_DAYS: '36500' };
    children.push(
      spawn(process.execPath, [...START_FLAGS, 'dist/src/main.js'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...environment,
          NODE_ENV: 'production',
          PORT: String(appPort),
          JWT_SECRET: randomUUID() + randomUUID(),
          LOG_LEVEL: 'warn',
          // The jobs' first round is put off past the benchmark; rounds at each job's own interval
          // stay (the outbox alert every minute). Retention erases patients with no appointment:
          // its first round would otherwise catch the seeded patients before their bookings are
          // written, erase them one by one during the runs, and deadlock with the seeding.
          JOBS_FIRST_RUN_DELAY_MS: String(24 * 3600 * 1000),
          RATE_LIMIT_PER_MINUTE: '0',
          MAX_CONCURRENT_PER_CLIENT: '0',
          // Email as in production: each confirmation composed and sent during the load.
          SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
          BOOTSTRAP_ADMIN_EMAIL: 'bench@clinic.test',
          BOOTSTRAP_ADMIN_PASSWORD: 'bench password 123',
          DATA_DIR: join(work, 'app'),
        },
      }),
    );
    const appProcess = children.at(-1)!;
    await waitFor(`http://127.0.0.1:${appPort}/health/ready`, appProcess);

    // 3. The data, written with the benchmark's own SQL.
    log('seeding 100,000 slots and 100,000 bookings');
    const db = new Client({ connectionString: databaseUrl });
    // A failure stops the database in `finally`: the open clients must not then crash the run
    // with that instead of the failure itself.
    db.on('error', () => undefined);
    await db.connect();
    await seedVolume(db, { slots: 90_000, patients: 50_000, bookings: 100_000 });
    const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).rows.map((row) => row.id);
    const spread = await ids(
      `INSERT INTO slot (starts_at, ends_at, capacity)
       SELECT date_trunc('day', now()) + interval '10 years' + make_interval(mins => 30 * g),
              date_trunc('day', now()) + interval '10 years' + make_interval(mins => 30 * g + 30), 1000000
       FROM generate_series(1, 10000) AS g RETURNING id`,
    );
    const [hot] = await ids(
      `INSERT INTO slot (starts_at, ends_at, capacity) VALUES (now() + interval '12 years', now() + interval '12 years 30 minutes', 1000000) RETURNING id`,
    );
    const [soldOut] = await ids(
      `INSERT INTO slot (starts_at, ends_at, capacity, booked_count) VALUES (now() + interval '13 years', now() + interval '13 years 30 minutes', 1, 1) RETURNING id`,
    );
    // The steady state autovacuum keeps a live database in: statistics and visibility map.
    await db.query('VACUUM ANALYZE');
    const slotCount = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM slot')).rows[0].n;
    const statementsLogged = await db
      .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
      .then(() => resetLoggedStatements(db))
      .catch(() => false);

    // The least cost: its own minimal schema, the same volume, the benchmark's slots under the same ids.
    log('seeding the least-cost database');
    const least = new Client({ connectionString: leastCostUrl });
    least.on('error', () => undefined);
    await least.connect();
    await seedLeastCost(least, { slots: 90_000, patients: 50_000, bookings: 100_000 });
    await least.query(
      `INSERT INTO slot (id, starts_at, ends_at, capacity, booked_count)
       SELECT id, starts_at, ends_at, capacity, booked_count FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::int[])
         AS s (id, starts_at, ends_at, capacity, booked_count)`,
      await (async () => {
        const { rows } = await db.query(
          `SELECT id, starts_at, ends_at, capacity, booked_count FROM slot WHERE id = ANY($1::uuid[])`,
          [[...spread, hot, soldOut]],
        );
        return [
          rows.map((r) => r.id),
          rows.map((r) => r.starts_at),
          rows.map((r) => r.ends_at),
          rows.map((r) => r.capacity),
          rows.map((r) => r.booked_count),
        ];
      })(),
    );
    await least.query('VACUUM ANALYZE');

    // 4. The baseline, on the same database.
    children.push(
      spawn(process.execPath, ['-r', 'ts-node/register', 'bench/baseline.ts'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...environment, TS_NODE_SWC: 'true', PORT: String(basePort), POOL_SIZE: String(POOL_SIZE) },
      }),
    );
    const baselineProcess = children.at(-1)!;
    await waitFor(`http://127.0.0.1:${basePort}/api/v1/slots`, baselineProcess);
    const leastPort = await freePort();
    children.push(
      spawn(process.execPath, ['-r', 'ts-node/register', 'bench/least-cost.ts'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          PATH: process.env.PATH!,
          TS_NODE_SWC: 'true',
          DATABASE_URL: leastCostUrl,
          PORT: String(leastPort),
          POOL_SIZE: String(POOL_SIZE),
        },
      }),
    );
    const leastProcess = children.at(-1)!;
    await waitFor(`http://127.0.0.1:${leastPort}/`, leastProcess);
    const login = await fetch(`http://127.0.0.1:${appPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@clinic.test', password: 'bench password 123' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const targets: Target[] = [
      {
        name: 'app',
        url: `http://127.0.0.1:${appPort}`,
        headers: { authorization: `Bearer ${accessToken}` },
        pid: appProcess.pid!,
      },
      { name: 'baseline', url: `http://127.0.0.1:${basePort}`, headers: {}, pid: baselineProcess.pid! },
    ];
    const leastTarget: Target = {
      name: 'least',
      url: `http://127.0.0.1:${leastPort}`,
      headers: {},
      pid: leastProcess.pid!,
    };

    // 5. Scenarios, app and baseline alternated, warm-up first, median of three.
    const from = new Date(Date.now() + 30 * 86_400_000);
    const window = `from=${from.toISOString()}&to=${new Date(from.getTime() + 7 * 86_400_000).toISOString()}`;
    const scenarios: Scenario[] = [
      {
        id: 1,
        title: 'bookings spread over 10,000 slots',
        method: 'POST',
        path: '/api/v1/bookings',
        bookingSlots: spread,
        expectStatus: 201,
        leastCost: true,
      },
      {
        id: 2,
        title: 'bookings on one hot slot',
        method: 'POST',
        path: '/api/v1/bookings',
        bookingSlots: [hot],
        expectStatus: 201,
        leastCost: true,
      },
      {
        id: 3,
        title: 'booking attempts on a sold-out slot (409)',
        method: 'POST',
        path: '/api/v1/bookings',
        bookingSlots: [soldOut],
        expectStatus: 409,
      },
      {
        id: 4,
        title: `GET /slots, 7-day window, ${slotCount.toLocaleString('en')} slots`,
        method: 'GET',
        path: `/api/v1/slots?${window}`,
        expectStatus: 200,
      },
      {
        id: 5,
        title: 'admin listing, first page, 100,000 bookings',
        method: 'GET',
        path: '/api/v1/admin/bookings?limit=50',
        expectStatus: 200,
      },
      {
        id: 6,
        title: 'GET /health: nothing behind it (the fixed cost of any request)',
        method: 'GET',
        path: '/health',
        expectStatus: 200,
        // Paced at half its rate (some 10,000 a second) the load generator is what is measured.
        fullLoadOnly: true,
      },
    ];
    const results: ScenarioResult[] = [];
    // The reads first (after the fixed cost), so that they see the seeded data as it is (100,000 bookings), not
    // grown by however many bookings the write scenarios managed; reported in order.
    const order = [6, 4, 5, 1, 2, 3].filter((id) => !ONLY || ONLY.includes(id));
    for (const scenario of order.map((id) => scenarios.find((s) => s.id === id)!)) {
      const measured: Record<string, Result[]> = { app: [], baseline: [], least: [] };
      const outbox: (OutboxLag & { drainSeconds: number })[] = [];
      const servers = scenario.leastCost ? [...targets, leastTarget] : targets;
      const isBooking = scenario.path === '/api/v1/bookings';
      for (const target of servers) {
        log(`scenario ${scenario.id} (${scenario.title}): warm-up on ${target.name}`);
        await run(target, scenario, 3);
        if (target.name === 'app' && isBooking) await drain(db);
      }
      for (let i = 0; i < RUNS; i++) {
        for (const target of i % 2 === 0 ? servers : [...servers].reverse()) {
          await settle(db);
          const result = await run(target, scenario, SECONDS);
          let lagNote = '';
          if (target.name === 'app' && isBooking) {
            // The outbox as the load ends; then it empties before anything else is measured.
            const lag = await outboxLag(db);
            const drainSeconds = await drain(db);
            outbox.push({ ...lag, drainSeconds });
            lagNote = `; outbox ${lag.behind} behind, oldest ${lag.oldestSeconds.toFixed(1)} s, empty after ${drainSeconds.toFixed(1)} s`;
          }
          log(
            `scenario ${scenario.id} run ${i + 1}/${RUNS} ${target.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${lagNote}`,
          );
          measured[target.name].push(result);
        }
      }
      const summary = (name: string) => {
        const rs = measured[name];
        return {
          ...medians(rs),
          errors: rs.reduce((sum, r) => sum + r.errors, 0),
          unexpectedStatus:
            scenario.expectStatus === 200 || scenario.expectStatus === 201
              ? rs.reduce((sum, r) => sum + r.non2xx, 0)
              : undefined,
        };
      };
      const app = summary('app');
      const baseline = summary('baseline');
      const ratioRuns = (other: string) => measured.app.map((r, i) => r.rps / measured[other][i].rps);

      // Latency at a stated load: half the app's maximum rate, evenly paced, both servers,
      // alternated like the runs above (the baseline first this time), median of three.
      const rate = Math.max(1, Math.round(app.rps / 2));
      const paced3: Record<string, PacedResult[]> = { app: [], baseline: [] };
      const pacedOutbox: OutboxLag = { behind: 0, oldestSeconds: 0 };
      for (let i = 0; i < (scenario.fullLoadOnly ? 0 : RUNS); i++) {
        for (const target of i % 2 === 0 ? [...targets].reverse() : targets) {
          await settle(db);
          const job = pacedInChild({
            baseUrl: target.url,
            request: {
              method: scenario.method,
              path: scenario.path,
              headers: target.headers,
              bookingSlots: scenario.bookingSlots,
            },
            options: {
              rate,
              seconds: SECONDS,
              connections: CONNECTIONS,
              expectStatus: scenario.expectStatus,
            },
          });
          const { result: r, worst } = await worstLagDuring(db, job);
          let lagNote = '';
          if (target.name === 'app' && isBooking) {
            pacedOutbox.behind = Math.max(pacedOutbox.behind, worst.behind);
            pacedOutbox.oldestSeconds = Math.max(pacedOutbox.oldestSeconds, worst.oldestSeconds);
            lagNote = `, outbox at worst ${worst.behind} behind, oldest ${worst.oldestSeconds.toFixed(2)} s`;
            await drain(db);
          }
          log(
            `scenario ${scenario.id} at ${rate} req/s (half the app's maximum) run ${i + 1}/${RUNS} ${target.name}: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, generator late p99 ${r.lateP99} ms, ${r.errors} errors${r.errors ? ` ${JSON.stringify(r.errorKinds)}` : ''}${lagNote}`,
          );
          paced3[target.name].push(r);
        }
      }
      const pacedSummary = (rs: PacedResult[]): PacedResult => ({
        ...medians(rs),
        max: Math.max(...rs.map((r) => r.max)),
        lateP99: median(rs.map((r) => r.lateP99)),
        errors: rs.reduce((sum, r) => sum + r.errors, 0),
        errorKinds: rs.reduce<Record<string, number>>((kinds, r) => {
          for (const [kind, n] of Object.entries(r.errorKinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
          return kinds;
        }, {}),
      });
      results.push({
        scenario: scenario.id,
        title: scenario.title,
        app,
        baseline,
        ratio: app.rps / baseline.rps,
        ratioRuns: ratioRuns('baseline'),
        ...(scenario.leastCost
          ? {
              leastCost: {
                ...summary('least'),
                ratio: app.rps / summary('least').rps,
                ratioRuns: ratioRuns('least'),
                baselineRatioRuns: measured.baseline.map((r, i) => r.rps / measured.least[i].rps),
              },
            }
          : {}),
        ...(isBooking ? { outbox } : {}),
        ...(scenario.fullLoadOnly
          ? {}
          : {
              halfRate: {
                rate,
                app: pacedSummary(paced3.app),
                baseline: pacedSummary(paced3.baseline),
                appWorstP99: Math.max(...paced3.app.map((r) => r.p99)),
                ...(isBooking ? { outbox: pacedOutbox } : {}),
              },
            }),
      });
    }

    results.sort((a, b) => a.scenario - b.scenario);
    // undefined for a scenario not run (BENCH_SCENARIOS).
    const check = (id: number, met: (r: ScenarioResult) => boolean) => {
      const r = results.find((result) => result.scenario === id);
      return r ? met(r) : undefined;
    };
    // Ratios and latencies held in the slowest run, not only the median.
    const slowest = (r: ScenarioResult) => Math.min(...(r.ratioRuns ?? [r.ratio]));
    const slowestLeast = (r: ScenarioResult) => (r.leastCost ? Math.min(...r.leastCost.ratioRuns) : NaN);
    const worstP99 = (r: ScenarioResult) => r.halfRate!.appWorstP99 ?? r.halfRate!.app.p99;
    const keptUp = (r: ScenarioResult) => (r.halfRate!.outbox?.oldestSeconds ?? Infinity) <= 5;
    const targetsMet = {
      'bookings (1), email on, at least 80% of baseline in the slowest run': check(
        1,
        (r) => slowest(r) >= 0.8,
      ),
      'bookings (2), email on, at least 80% of baseline in the slowest run': check(
        2,
        (r) => slowest(r) >= 0.8,
      ),
      'refusal rush (3) at least 85% of baseline in the slowest run': check(3, (r) => slowest(r) >= 0.85),
      'p99 of (1) at 50% of max rate at most 50 ms in every run': check(1, (r) => worstP99(r) <= 50),
      'p99 of (2) at 50% of max rate at most 50 ms in every run': check(2, (r) => worstP99(r) <= 50),
      'outbox keeps up at 50% of max rate in (1): oldest due email at most 5 s': check(1, keptUp),
      'outbox keeps up at 50% of max rate in (2): oldest due email at most 5 s': check(2, keptUp),
      'bookings (1) at least 70% of the least cost in the slowest run': check(
        1,
        (r) => slowestLeast(r) >= 0.7,
      ),
      'bookings (2) at least 70% of the least cost in the slowest run': check(
        2,
        (r) => slowestLeast(r) >= 0.7,
      ),
      'p99 of (4) at 50% of max rate at most 20 ms in every run': check(4, (r) => worstP99(r) <= 20),
      'p99 of (5) at 50% of max rate at most 50 ms in every run': check(5, (r) => worstP99(r) <= 50),
    };

    // 6. Where a booking's time goes (after the load: nothing else runs meanwhile).
    let accounting: Accounting | undefined;
    if (!ONLY) {
      log('accounting: the booking statements, part by part and index by index');
      const body = bookingBodies(spread);
      // A new person each time (the load's patients already hold their two bookings).
      const fresh = () => {
        const b = JSON.parse(body()) as { slotId: string; patient: Record<string, string> };
        b.patient.email = `accounting.${randomUUID()}@example.nl`;
        return b;
      };
      // The horizon as the servers run with it (the benchmark's slots lie 10 to 13 years ahead).
      const appParameters = () => bookingParameters(fresh(), new Date(), 36500).parameters;
      const leastParameters = () => {
        const b = fresh();
        return [
          b.slotId,
          new Date(Date.now() + 3600_000),
          b.patient.email.toLowerCase(),
          b.patient.dateOfBirth,
          b.patient.firstName,
          b.patient.lastName,
          b.patient.phone,
          randomUUID(),
          `B12-${randomUUID().slice(0, 6).toUpperCase()}`,
          new Date(Date.now() + 86_400_000),
        ];
      };
      const N = 400;
      const appStatement = await statementCost(db, BOOK_SQL, appParameters, N);
      const leastCostStatement = await statementCost(least, LEAST_COST_BOOK_SQL, leastParameters, N);
      const indexes = await indexCosts(
        db,
        BOOK_SQL,
        appParameters,
        ['slot', 'patient', 'booking', 'notification', 'booking_quota'],
        200,
      );
      // The app alone, spread bookings with email on, every statement it ran logged.
      let statementsBookings = 0;
      if (statementsLogged) {
        await drain(db);
        await resetLoggedStatements(db);
        const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM booking')).rows[0].n;
        await run(targets[0], scenarios[0], SECONDS);
        await drain(db);
        statementsBookings =
          (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM booking')).rows[0].n - before;
      }
      accounting = {
        appStatement,
        leastCostStatement,
        indexes,
        statements: statementsLogged ? await loggedStatements(db) : [],
        statementsBookings,
      };
    }

    const report: Report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, postgres: version },
      settings: {
        connections: CONNECTIONS,
        seconds: SECONDS,
        runs: RUNS,
        poolSize: POOL_SIZE,
        email: 'dispatch on, sent to an SMTP sink in its own process (bench/smtp-sink.ts)',
      },
      results,
      accounting,
      targetsMet,
    };
    const markdown = renderMarkdown(report);
    if (!ONLY) {
      await writeFile(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(ROOT, 'bench', 'results', 'latest.md'), markdown);
    }
    process.stdout.write(`\n${markdown}\n`);
    await db.end();
    await least.end();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await stopDatabase?.();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
