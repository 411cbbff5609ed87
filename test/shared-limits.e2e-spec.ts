import type { ClientRequest } from 'node:http';
import { MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS } from '../src/auth/login-limiter';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { slowBooking } from './support/http';
import { eventually } from './support/mail';
import { TcpProxy } from './support/tcp-proxy';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  console.warn(
    '\n*** SKIPPED test/shared-limits.e2e-spec.ts: it needs Redis. Set REDIS_URL (for example ' +
      'redis://127.0.0.1:6379) to run it; .ci/run does. ***\n',
  );
}

const LIMIT = 5;
const CAP = 3;

/** A client address of its own for each use (the counts in the shared Redis outlive a run). */
const newClient = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

(REDIS_URL ? describe : describe.skip)('limits shared by every instance through Redis', () => {
  let proxy: TcpProxy;
  const apps: TestApp[] = [];
  const logs: string[][] = [[], [], []];

  beforeAll(async () => {
    const target = new URL(REDIS_URL!);
    // The instances reach Redis through a proxy the test can cut: Redis itself serves others too.
    proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    const env = {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      MAX_CONCURRENT_PER_CLIENT: String(CAP),
      // Each request names its client (X-Forwarded-For), as a load balancer in front would.
      TRUST_PROXY: 'true',
    };
    for (const log of logs) {
      const databaseUrl = apps[0]?.config.databaseUrl;
      apps.push(
        await startTestApp(databaseUrl ? { ...env, DATABASE_URL: databaseUrl } : env, { logLines: log }),
      );
    }
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await proxy?.stop();
  });

  /** `count` requests from one client, spread over the three instances in turn: their statuses. */
  const spread = async (count: number, client: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await apps[i % 3].http.get('/api/v1/slots', {
        headers: { 'x-forwarded-for': client },
      });
      statuses.push(response.status);
    }
    return statuses;
  };
  const logged = (log: string[], text: string) => log.filter((line) => line.includes(text)).length;

  it('gives a client spread over three instances exactly one limit’s worth of requests', async () => {
    const statuses = await spread(3 * LIMIT, newClient());
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.slice(LIMIT).every((status) => status === 429)).toBe(true);
    // Another client has its own budget.
    expect((await spread(3, newClient())).every((status) => status === 200)).toBe(true);
  });

  it('locks a sign-in out on every instance once one address failed on any of them', async () => {
    const { email } = await signedInStaff(apps[0]);
    const client = newClient();
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS + 3; i++) {
      const response = await apps[i % 3].http.post(
        '/api/v1/auth/login',
        { email, password: `wrong password ${i}` },
        { headers: { 'x-forwarded-for': client } },
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS).fill(401), 429, 429, 429]);
  });

  it('caps a client’s requests in flight across the instances', async () => {
    const client = newClient();
    const open: ClientRequest[] = [];
    /** A booking whose body never finishes arriving: in flight until it is cut. */
    const hold = (app: TestApp) => {
      const { request, answer } = slowBooking(app.url, { 'x-forwarded-for': client });
      open.push(request);
      return answer;
    };
    try {
      const first = await Promise.all([hold(apps[0]), hold(apps[1]), hold(apps[2])]);
      expect(first).toEqual(['in flight', 'in flight', 'in flight']);
      expect(await hold(apps[0])).toBe(429);
      expect(await hold(apps[2])).toBe(429);
      // One ends: its place is free on every instance.
      open[0].destroy();
      await eventually(async () => expect(await hold(apps[1])).toBe('in flight'));
    } finally {
      for (const request of open) request.destroy();
    }
  });

  it('keeps serving while Redis is away (per instance, said once), and shares again when it is back', async () => {
    await proxy.stop();
    try {
      // Each instance counts on its own meanwhile: a client spread over three gets three budgets.
      const statuses = await spread(3 * LIMIT + 3, newClient());
      expect(statuses.filter((status) => status === 200)).toHaveLength(3 * LIMIT);
      for (const log of logs) {
        expect(logged(log, 'Redis is unreachable')).toBe(1);
      }
    } finally {
      await proxy.start();
    }
    await eventually(() => {
      for (const log of logs) expect(logged(log, 'Redis is back')).toBe(1);
    }, 20_000);
    const statuses = await spread(3 * LIMIT, newClient());
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    for (const log of logs) expect(logged(log, 'Redis is unreachable')).toBe(1);
  });
});
