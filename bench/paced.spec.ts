import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paced, pacedInChild, percentile } from './paced';

describe('percentile', () => {
  it('is the nearest-rank value', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('paced', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; body: string }[] = [];

  beforeAll(async () => {
    let n = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/never') return; // no answer at all
        seen.push({ method: req.method, body });
        // Every second answer is unexpected; each takes at least 30 ms.
        setTimeout(() => res.writeHead(n++ % 2 === 0 ? 201 : 409).end(), 30);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends rate × seconds requests after a second of warm-up, with their bodies, timing each from when it was due', async () => {
    let i = 0;
    const result = await paced(
      url,
      { method: 'POST', path: '/x', headers: {}, body: () => JSON.stringify({ i: i++ }) },
      { rate: 40, seconds: 1, connections: 4, expectStatus: 201 },
    );
    expect(seen).toHaveLength(80);
    expect(seen.every((request) => request.method === 'POST')).toBe(true);
    expect(seen.map((request) => JSON.parse(request.body).i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 80 }, (_, k) => k),
    );
    // Of the 40 recorded answers, the odd ones were 409s.
    expect(result.errors).toBe(20);
    expect(result.errorKinds).toEqual({ '409': 20 });
    expect(result.p50).toBeGreaterThanOrEqual(30);
    expect(result.max).toBeGreaterThanOrEqual(result.p99);
    expect(result.p99).toBeGreaterThanOrEqual(result.p50);
    expect(result.lateP99).toBeGreaterThanOrEqual(0);
  });

  it('reports how late the generator itself sent, when its own event loop was held up', async () => {
    seen.length = 0;
    const run = paced(
      url,
      { method: 'GET', path: '/x', headers: {} },
      { rate: 100, seconds: 1, connections: 4, expectStatus: 201 },
    );
    // In the recorded second, hold the generator's thread for 150 ms: some 15 requests fall
    // due meanwhile and go out late, and their latencies (timed from when due) include that.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const until = Date.now() + 150;
    while (Date.now() < until);
    const result = await run;
    expect(result.lateP99).toBeGreaterThanOrEqual(100);
    expect(result.max).toBeGreaterThanOrEqual(result.lateP99);
  });

  it('counts an answer that does not come in time as an error and still finishes', async () => {
    const result = await paced(
      url,
      { method: 'GET', path: '/never', headers: {} },
      { rate: 10, seconds: 1, connections: 20, expectStatus: 200, timeoutMs: 200 },
    );
    expect(result.errorKinds).toEqual({ timeout: 10 });
  });

  it('runs in a process of its own, where each booking body is a new patient on one of the given slots', async () => {
    seen.length = 0;
    const slots = ['7d0c1f52-0000-4000-8000-000000000001', '7d0c1f52-0000-4000-8000-000000000002'];
    const result = await pacedInChild({
      baseUrl: url,
      request: { method: 'POST', path: '/x', headers: {}, bookingSlots: slots },
      options: { rate: 40, seconds: 1, connections: 4, expectStatus: 201 },
    });
    expect(seen).toHaveLength(80);
    const bodies = seen.map((request) => JSON.parse(request.body));
    expect(new Set(bodies.map((body) => body.patient.email)).size).toBe(80);
    expect(bodies.every((body) => slots.includes(body.slotId))).toBe(true);
    // Answered alternately 201 and 409, as above: the result came back from the child whole.
    expect(result.errorKinds).toEqual({ '409': 20 });
    expect(result.p50).toBeGreaterThanOrEqual(30);
    expect(result.rps).toBeGreaterThan(0);
  });
});
