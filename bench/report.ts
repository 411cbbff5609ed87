import type { IndexCost, LoggedStatement, StatementCost } from './accounting';
import type { PacedResult } from './paced';

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  unexpectedStatus?: number;
  /** The server process's CPU time per request (µs), median of the runs; where /proc tells. */
  cpuUs?: number;
}

/** How far the outbox fell behind: emails due and not yet sent, and the oldest one's age. */
export interface OutboxLag {
  behind: number;
  oldestSeconds: number;
}

export interface ScenarioResult {
  scenario: number;
  title: string;
  app: Summary;
  baseline: Summary;
  /** Median app / baseline over the runs; `ratioRuns` each run's (app run i against baseline run i). */
  ratio: number;
  ratioRuns?: number[];
  /**
   * The least-cost server (bench/least-cost.ts), where measured; `baselineRatioRuns`: the
   * baseline's runs against it (the statement and schema's share of app / least cost).
   */
  leastCost?: Summary & { ratio: number; ratioRuns: number[]; baselineRatioRuns: number[] };
  /** Booking scenarios: the outbox at the end of each full-load app run, and how long it took to empty. */
  outbox?: (OutboxLag & { drainSeconds: number })[];
  /** Absent for a scenario measured at full load only. */
  halfRate?: {
    rate: number;
    app: PacedResult;
    baseline: PacedResult;
    /** The largest p99 of the app's paced runs. */
    appWorstP99?: number;
    /** The outbox at its worst during the app's paced runs. */
    outbox?: OutboxLag;
  };
}

export interface Accounting {
  /** The booking statement (the app's, as bench/baseline.ts writes it) and the least cost's. */
  appStatement: StatementCost;
  leastCostStatement: StatementCost;
  indexes: IndexCost[];
  /** What the app ran during a run of spread bookings, email on (pg_stat_statements). */
  statements: LoggedStatement[];
  statementsBookings: number;
}

export interface Report {
  date: string;
  machine: { cpus: number; cpu?: string; node: string; postgres: string };
  settings: { connections: number; seconds: number; runs: number; poolSize: number; email?: string };
  results: ScenarioResult[];
  accounting?: Accounting;
  /** undefined for a target whose scenario was not run. */
  targetsMet: Record<string, boolean | undefined>;
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
/** The runs' ratios as "min–max" (the slowest run first). */
const spread = (ratios?: number[]) =>
  ratios && ratios.length > 1
    ? `${percent(Math.min(...ratios))}–${percent(Math.max(...ratios))}`
    : ratios?.length
      ? percent(ratios[0])
      : '';
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const cpu = (summary: Summary) => (summary.cpuUs === undefined ? '' : summary.cpuUs.toFixed(0));

function accountingLines(accounting: Accounting): string[] {
  const { appStatement: app, leastCostStatement: least } = accounting;
  const statements = accounting.statements.map(
    (s) =>
      `| ${s.calls} | ${(s.calls / Math.max(1, accounting.statementsBookings)).toFixed(2)} | ${s.meanMs.toFixed(3)} | ${s.dirtied.toFixed(1)} | ${kb(s.walBytes)} | \`${s.query.slice(0, 110)}${s.query.length > 110 ? '…' : ''}\` |`,
  );
  return [
    'Where a booking goes inside PostgreSQL (EXPLAIN ANALYZE with buffers and WAL, bookings on the spread slots in a transaction rolled back; per booking):',
    '',
    `| statement | time ms | WAL KB | planning ms, when not prepared |`,
    '| --- | ---: | ---: | ---: |',
    `| the app's booking statement | ${app.meanMs.toFixed(3)} | ${kb(app.walBytes)} | ${app.planMs.toFixed(3)} |`,
    `| the least cost's | ${least.meanMs.toFixed(3)} | ${kb(least.walBytes)} | ${least.planMs.toFixed(3)} |`,
    '',
    "| part of the app's statement | time ms | WAL KB | blocks dirtied |",
    '| --- | ---: | ---: | ---: |',
    ...app.parts.map(
      (p) => `| ${p.part} | ${p.ms.toFixed(3)} | ${kb(p.walBytes)} | ${p.dirtied.toFixed(2)} |`,
    ),
    '',
    'What each secondary index costs a booking (the statement with it, minus without it, median of interleaved rounds):',
    '',
    '| index | time ms | WAL KB |',
    '| --- | ---: | ---: |',
    ...accounting.indexes.map((i) =>
      i.needed
        ? `| ${i.index} | needed: ${i.needed} | |`
        : `| ${i.index} | ${i.ms.toFixed(3)} | ${kb(i.walBytes)} |`,
    ),
    '',
    ...(statements.length
      ? [
          `The app's statements during ${accounting.statementsBookings} spread bookings with email on (pg_stat_statements, costliest first):`,
          '',
          '| calls | per booking | mean ms | blocks dirtied | WAL KB | statement |',
          '| ---: | ---: | ---: | ---: | ---: | --- |',
          ...statements,
          '',
        ]
      : ['(pg_stat_statements was not available on this server: no per-statement log.)', '']),
  ];
}

/** The results as bench/results/latest.md has them (and the console shows them). */
export function renderMarkdown(report: Report): string {
  const { connections, seconds, runs } = report.settings;
  const withLeast = report.results.filter((r) => r.leastCost);
  const withOutbox = report.results.filter((r) => r.outbox?.length);
  return [
    `Benchmark of ${report.date} on ${report.machine.cpus} CPUs (${report.machine.cpu}), Node ${report.machine.node}, PostgreSQL ${report.machine.postgres}.`,
    ...(report.settings.email ? ['', `Email: ${report.settings.email}.`] : []),
    '',
    `At full load (autocannon, ${connections} connections, ${seconds} s per run, median of ${runs}; app / baseline also per run, slowest–fastest):`,
    '',
    '| scenario | app req/s | app p50 / p99 ms | app errors | baseline req/s | baseline p50 / p99 ms | app / baseline | runs | CPU µs per request: app / baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.results.map(
      (r) =>
        `| ${r.scenario}. ${r.title} | ${r.app.rps.toFixed(0)} | ${r.app.p50} / ${r.app.p99} | ${r.app.errors} | ${r.baseline.rps.toFixed(0)} | ${r.baseline.p50} / ${r.baseline.p99} | ${percent(r.ratio)} | ${spread(r.ratioRuns)} | ${cpu(r.app)} / ${cpu(r.baseline)} |`,
    ),
    '',
    'CPU per request: the server process’s own (user and system, all its threads; the app’s include its email thread), not PostgreSQL’s or the load generator’s.',
    '',
    ...(withLeast.length
      ? [
          'Against the least a booking can cost (bench/least-cost.ts: a minimal schema of its own, one statement):',
          '',
          '| scenario | least cost req/s | p50 / p99 ms | app / least cost | runs | baseline / least cost, runs |',
          '| --- | ---: | ---: | ---: | ---: | ---: |',
          ...withLeast.map(
            (r) =>
              `| ${r.scenario} | ${r.leastCost!.rps.toFixed(0)} | ${r.leastCost!.p50} / ${r.leastCost!.p99} | ${percent(r.leastCost!.ratio)} | ${spread(r.leastCost!.ratioRuns)} | ${spread(r.leastCost!.baselineRatioRuns)} |`,
          ),
          '',
          'The baseline runs the app’s own statement on the app’s schema with no framework: app / least cost is app / baseline times baseline / least cost, and the second factor is the statement and the schema’s alone.',
          '',
        ]
      : []),
    `At half the app's maximum rate (requests evenly spaced, each timed from when it was due, ${seconds} s per run, median of ${runs}; max is the largest of all runs):`,
    '',
    '| scenario | req/s | app p50 / p99 / max ms | app worst p99 | app errors | baseline p50 / p99 / max ms | generator late p99 ms: app / baseline runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.results.flatMap(({ scenario, halfRate }) =>
      halfRate
        ? [
            `| ${scenario} | ${halfRate.rate} | ${halfRate.app.p50} / ${halfRate.app.p99} / ${halfRate.app.max} | ${halfRate.appWorstP99 ?? ''} | ${halfRate.app.errors} | ${halfRate.baseline.p50} / ${halfRate.baseline.p99} / ${halfRate.baseline.max} | ${halfRate.app.lateP99} / ${halfRate.baseline.lateP99} |`,
          ]
        : [],
    ),
    '',
    'Generator late: how late the load generator, on the same machine, sent its requests; that much of each p99 is its own.',
    '',
    ...(withOutbox.length
      ? [
          'The outbox (confirmations due and not yet sent; the oldest one’s age): at the end of each full-load run, how long it then took to empty, and at its worst during the half-rate runs:',
          '',
          '| scenario | end of full-load runs: behind / oldest s / emptied in s | half rate: most behind / oldest s |',
          '| --- | --- | ---: |',
          ...withOutbox.map(
            (r) =>
              `| ${r.scenario} | ${r.outbox!.map((o) => `${o.behind} / ${o.oldestSeconds.toFixed(1)} / ${o.drainSeconds.toFixed(1)}`).join('; ')} | ${r.halfRate?.outbox ? `${r.halfRate.outbox.behind} / ${r.halfRate.outbox.oldestSeconds.toFixed(2)}` : ''} |`,
          ),
          '',
        ]
      : []),
    ...(report.accounting ? accountingLines(report.accounting) : []),
    ...Object.entries(report.targetsMet)
      .filter(([, met]) => met !== undefined)
      .map(([target, met]) => `- ${met ? 'met' : 'NOT met'}: ${target}`),
    '',
  ].join('\n');
}
