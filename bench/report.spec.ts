import { renderMarkdown, Report } from './report';

const paced = { rps: 10, p50: 1, p99: 2, max: 3, lateP99: 0.4, errors: 0, errorKinds: {} };

describe('renderMarkdown', () => {
  const report: Report = {
    date: '2026-11-26T00:00:00.000Z',
    machine: { cpus: 2, cpu: 'Test CPU', node: 'v20.20.2', postgres: '18.4' },
    settings: { connections: 32, seconds: 10, runs: 3, poolSize: 20 },
    results: [
      {
        scenario: 1,
        title: 'bookings',
        app: { rps: 1078, p50: 29, p99: 65, errors: 0, cpuUs: 412.4 },
        baseline: { rps: 1351, p50: 22, p99: 61, errors: 0, cpuUs: 201.6 },
        ratio: 1078 / 1351,
        ratioRuns: [0.7996, 0.812, 0.79],
        leastCost: {
          rps: 1500,
          p50: 20,
          p99: 40,
          errors: 0,
          ratio: 1078 / 1500,
          ratioRuns: [0.7, 0.72],
          baselineRatioRuns: [0.9, 0.88],
        },
        outbox: [{ behind: 12, oldestSeconds: 0.42, drainSeconds: 0.5 }],
        halfRate: {
          rate: 539,
          app: paced,
          baseline: paced,
          appWorstP99: 4,
          outbox: { behind: 3, oldestSeconds: 0.25 },
        },
      },
      {
        scenario: 6,
        title: 'nothing behind it',
        app: { rps: 20000, p50: 1, p99: 3, errors: 0 },
        baseline: { rps: 30000, p50: 0, p99: 2, errors: 0 },
        ratio: 2 / 3,
      },
    ],
    targetsMet: { 'bookings (1) at least 80% of baseline': false, 'not run': undefined },
  };

  it('prints a ratio just under a target with a decimal, never rounded up onto the line', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      '| 1. bookings | 1078 | 29 / 65 | 0 | 1351 | 22 / 61 | 79.8% | 79.0%–81.2% | 412 / 202 |',
    );
    expect(markdown).toContain('| 1 | 1500 | 20 / 40 | 71.9% | 70.0%–72.0% | 88.0%–90.0% |');
    expect(markdown).toContain('| 1 | 12 / 0.4 / 0.5 | 3 / 0.25 |');
    expect(markdown).toContain('- NOT met: bookings (1) at least 80% of baseline');
    expect(markdown).not.toContain('not run');
    expect(markdown).toContain('PostgreSQL 18.4');
    expect(markdown).toContain('| 1 | 539 | 1 / 2 / 3 | 4 | 0 | 1 / 2 / 3 | 0.4 / 0.4 |');
  });

  it('leaves a scenario measured at full load only out of the half-rate table, and a CPU time not measured blank', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      '| 6. nothing behind it | 20000 | 1 / 3 | 0 | 30000 | 0 / 2 | 66.7% |  |  /  |',
    );
    const halfRate = markdown.slice(markdown.indexOf("At half the app's maximum rate"));
    expect(halfRate).not.toMatch(/^\| 6 \|/m);
  });
});
