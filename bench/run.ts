/**
 * npm run bench: the app against the raw-SQL baseline (bench/baseline.ts) on one PostgreSQL.
 * Starts its own PostgreSQL (the project's embedded one unless DATABASE_URL), builds and starts
 * the app (which migrates the database as it boots) and the baseline as processes, seeds
 * 100,000 slots and 100,000 bookings with its own SQL, then runs each
 * scenario (the two reads first) with autocannon, app and baseline alternated, warm-up first, median of three.
 * Then each scenario again at half the app's maximum rate, evenly paced (bench/paced.ts, in a
 * process of its own), for latency at a stated load, alternated and median of three as well.
 * Writes bench/results/latest.json and latest.md. Options:
 * BENCH_CONNECTIONS (default 32), BENCH_SECONDS (default 10), BENCH_SCENARIOS (say "1,4": only
 * those; the results files are then left alone).
 */
import autocannon from 'autocannon';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
// Only to run a PostgreSQL server, as the tests do; everything said to the app goes over HTTP.
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { seedVolume } from '../test/support/seed';
import { bookingBodies } from './bodies';
import { pacedInChild, PacedResult } from './paced';
import { renderMarkdown, Report, ScenarioResult } from './report';

const ROOT = join(__dirname, '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = 3;
const POOL_SIZE = 20;
const ONLY = process.env.BENCH_SCENARIOS?.split(',').map(Number);
/** Node flags of the app's production start (package.json's start:prod, the Dockerfile). */
const START_FLAGS = ['--no-allocation-site-pretenuring'];

const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Target {
  name: 'app' | 'baseline';
  url: string;
  headers: Record<string, string>;
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

function run(target: Target, scenario: Scenario, seconds: number): Promise<Result> {
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
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median rate and latencies of several runs. */
const medians = (runs: { rps: number; p50: number; p99: number }[]) => ({
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
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
      const embedded = await startEmbeddedPostgres(work);
      stopDatabase = embedded.stop;
      adminUrl = embedded.url;
    }
    const databaseName = `clinic_bench_${Date.now()}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    const [{ server_version: version }] = (await admin.query('SHOW server_version')).rows;
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${databaseName}`;
    const databaseUrl = url.toString();

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
          RATE_LIMIT_PER_MINUTE: '0',
          MAX_CONCURRENT_PER_CLIENT: '0',
          NOTIFICATION_DISPATCH: 'off',
          BOOTSTRAP_ADMIN_EMAIL: 'bench@clinic.test',
          BOOTSTRAP_ADMIN_PASSWORD: 'bench password 123',
          DATA_DIR: join(work, 'app'),
        },
      }),
    );
    await waitFor(`http://127.0.0.1:${appPort}/health/ready`, children[0]);

    // 3. The data, written with the benchmark's own SQL.
    log('seeding 100,000 slots and 100,000 bookings');
    const db = new Client({ connectionString: databaseUrl });
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
    await db.end();

    // 4. The baseline, on the same database.
    children.push(
      spawn(process.execPath, ['-r', 'ts-node/register', 'bench/baseline.ts'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...environment, TS_NODE_SWC: 'true', PORT: String(basePort), POOL_SIZE: String(POOL_SIZE) },
      }),
    );
    await waitFor(`http://127.0.0.1:${basePort}/api/v1/slots`, children[1]);
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
      },
      { name: 'baseline', url: `http://127.0.0.1:${basePort}`, headers: {} },
    ];

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
      },
      {
        id: 2,
        title: 'bookings on one hot slot',
        method: 'POST',
        path: '/api/v1/bookings',
        bookingSlots: [hot],
        expectStatus: 201,
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
    ];
    const results: ScenarioResult[] = [];
    // The reads first, so that they see the seeded data as it is (100,000 bookings), not
    // grown by however many bookings the write scenarios managed; reported in order.
    const order = [4, 5, 1, 2, 3].filter((id) => !ONLY || ONLY.includes(id));
    for (const scenario of order.map((id) => scenarios.find((s) => s.id === id)!)) {
      const measured: Record<string, Result[]> = { app: [], baseline: [] };
      for (const target of targets) {
        log(`scenario ${scenario.id} (${scenario.title}): warm-up on ${target.name}`);
        await run(target, scenario, 3);
      }
      for (let i = 0; i < RUNS; i++) {
        for (const target of i % 2 === 0 ? targets : [...targets].reverse()) {
          const result = await run(target, scenario, SECONDS);
          log(
            `scenario ${scenario.id} run ${i + 1}/${RUNS} ${target.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
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

      // Latency at a stated load: half the app's maximum rate, evenly paced, both servers,
      // alternated like the runs above (the baseline first this time), median of three.
      const rate = Math.max(1, Math.round(app.rps / 2));
      const paced3: Record<string, PacedResult[]> = { app: [], baseline: [] };
      for (let i = 0; i < RUNS; i++) {
        for (const target of i % 2 === 0 ? [...targets].reverse() : targets) {
          const r = await pacedInChild({
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
          log(
            `scenario ${scenario.id} at ${rate} req/s (half the app's maximum) run ${i + 1}/${RUNS} ${target.name}: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, generator late p99 ${r.lateP99} ms, ${r.errors} errors${r.errors ? ` ${JSON.stringify(r.errorKinds)}` : ''}`,
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
        halfRate: { rate, app: pacedSummary(paced3.app), baseline: pacedSummary(paced3.baseline) },
      });
    }

    results.sort((a, b) => a.scenario - b.scenario);
    // undefined for a scenario not run (BENCH_SCENARIOS).
    const check = (id: number, met: (r: ScenarioResult) => boolean) => {
      const r = results.find((result) => result.scenario === id);
      return r ? met(r) : undefined;
    };
    const targetsMet = {
      'bookings (1) at least 80% of baseline': check(1, (r) => r.ratio >= 0.8),
      'bookings (2) at least 80% of baseline': check(2, (r) => r.ratio >= 0.8),
      'p99 of (1) at 50% of max rate at most 50 ms': check(1, (r) => r.halfRate.app.p99 <= 50),
      'p99 of (4) at 50% of max rate at most 20 ms': check(4, (r) => r.halfRate.app.p99 <= 20),
      'p99 of (5) at 50% of max rate at most 50 ms': check(5, (r) => r.halfRate.app.p99 <= 50),
    };
    const report: Report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, postgres: version },
      settings: { connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, poolSize: POOL_SIZE },
      results,
      targetsMet,
    };
    const markdown = renderMarkdown(report);
    if (!ONLY) {
      await writeFile(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(ROOT, 'bench', 'results', 'latest.md'), markdown);
    }
    process.stdout.write(`\n${markdown}\n`);
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
