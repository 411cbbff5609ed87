import type { PacedResult } from './paced';

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  unexpectedStatus?: number;
}

export interface ScenarioResult {
  scenario: number;
  title: string;
  app: Summary;
  baseline: Summary;
  ratio: number;
  halfRate: { rate: number; app: PacedResult; baseline: PacedResult };
}

export interface Report {
  date: string;
  machine: { cpus: number; cpu?: string; node: string; postgres: string };
  settings: { connections: number; seconds: number; runs: number; poolSize: number };
  results: ScenarioResult[];
  /** undefined for a target whose scenario was not run. */
  targetsMet: Record<string, boolean | undefined>;
}

/** The results as bench/results/latest.md has them (and the console shows them). */
export function renderMarkdown(report: Report): string {
  const { connections, seconds, runs } = report.settings;
  return [
    `Benchmark of ${report.date} on ${report.machine.cpus} CPUs (${report.machine.cpu}), Node ${report.machine.node}, PostgreSQL ${report.machine.postgres}.`,
    '',
    `At full load (autocannon, ${connections} connections, ${seconds} s per run, median of ${runs}):`,
    '',
    '| scenario | app req/s | app p50 / p99 ms | app errors | baseline req/s | baseline p50 / p99 ms | app / baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.results.map(
      (r) =>
        `| ${r.scenario}. ${r.title} | ${r.app.rps.toFixed(0)} | ${r.app.p50} / ${r.app.p99} | ${r.app.errors} | ${r.baseline.rps.toFixed(0)} | ${r.baseline.p50} / ${r.baseline.p99} | ${(r.ratio * 100).toFixed(1)}% |`,
    ),
    '',
    `At half the app's maximum rate (requests evenly spaced, each timed from when it was due, ${seconds} s per run, median of ${runs}; max is the largest of all runs):`,
    '',
    '| scenario | req/s | app p50 / p99 / max ms | app errors | baseline p50 / p99 / max ms | generator late p99 ms: app / baseline runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...report.results.map(
      ({ scenario, halfRate: { rate, app, baseline } }) =>
        `| ${scenario} | ${rate} | ${app.p50} / ${app.p99} / ${app.max} | ${app.errors} | ${baseline.p50} / ${baseline.p99} / ${baseline.max} | ${app.lateP99} / ${baseline.lateP99} |`,
    ),
    '',
    'Generator late: how late the load generator, on the same machine, sent its requests; that much of each p99 is its own.',
    '',
    ...Object.entries(report.targetsMet)
      .filter(([, met]) => met !== undefined)
      .map(([target, met]) => `- ${met ? 'met' : 'NOT met'}: ${target}`),
    '',
  ].join('\n');
}
