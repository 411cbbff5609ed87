import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { listenOnLoopback } from './support/app';
import { createTestDatabase } from './support/database';
import { HttpClient } from './support/http';
import { eventually } from './support/mail';

describe('logs', () => {
  const lines: Record<string, unknown>[] = [];
  let close: () => Promise<void>;
  let http: HttpClient;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('logging');
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      DATA_DIR: '/tmp/clinic-booking-logging',
      LOG_LEVEL: 'info',
      // As behind a load balancer: its well-formed request ids are kept.
      TRUST_PROXY: '1',
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const app = await createApp({ ...config, databaseUrl }, logger);
    http = new HttpClient(await listenOnLoopback(app));
    close = () => app.close();
  });
  afterAll(() => close());

  const completed = (id: string) => lines.filter((l) => l.msg === 'request completed' && l.reqId === id);

  it('puts a request id on every answer, the OpenAPI document included', async () => {
    const response = await http.get('/docs-json');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs each request once as JSON with its request id, inside and outside the API prefix', async () => {
    for (const path of ['/health', '/api/v1/nothing-here', '/api/v1/auth/login']) {
      const response = await http.get(path);
      const id = response.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await new Promise((resolve) => setImmediate(resolve));
      expect(completed(id)).toHaveLength(1);
    }
  });

  it('keeps a caller-supplied request id and answers with it', async () => {
    const response = await http.get('/health', { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(response.headers.get('x-request-id')).toBe('lb-1234.abc');
    await new Promise((resolve) => setImmediate(resolve));
    expect(completed('lb-1234.abc')).toHaveLength(1);
  });

  it('logs the method, the path without its query, the status and the time taken', async () => {
    const response = await http.get('/api/v1/slots?from=nope');
    await new Promise((resolve) => setImmediate(resolve));
    const [line] = completed(response.headers.get('x-request-id')!);
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'GET', path: '/api/v1/slots' },
      res: { statusCode: 400 },
    });
    expect(line.responseTime).toEqual(expect.any(Number));
  });

  it('logs a request the client gave up on as that, not as an error', async () => {
    // Headers promise a body that never comes; then the client hangs up.
    const socket = connect(Number(new URL(http.baseUrl).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nX-Request-Id: gave-up-1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slotId"',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await eventually(() =>
      expect(lines.filter((l) => l.reqId === 'gave-up-1').map((l) => l.msg)).toEqual([
        'request aborted by the client',
      ]),
    );
  });

  it('never writes passwords, bearer tokens, booking tokens or query strings', async () => {
    const secret = 'Sup3r-Secret-Passw0rd!';
    await http.post('/api/v1/auth/login', { email: 'jan.jansen@example.nl', password: secret });
    await http.get('/api/v1/admin/nothing?q=Jansen', {
      token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2VjcmV0LXRva2Vu',
      headers: { 'x-booking-token': 'patient-manage-token-xyz', cookie: 'session=abc' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const all = JSON.stringify(lines);
    for (const needle of [
      secret,
      'jan.jansen',
      'eyJhbGciOiJIUzI1NiJ9',
      'patient-manage-token-xyz',
      'session=abc',
      'Jansen',
    ]) {
      expect(all).not.toContain(needle);
    }
  });
});
