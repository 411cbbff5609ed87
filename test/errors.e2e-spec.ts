import { startTestApp } from './support/app';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Max, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { APP_OPTIONS, httpAdapter } from '../src/app.factory';
import { AppModule } from '../src/app.module';
import { setupApp } from '../src/app.setup';
import { createRootLogger } from '../src/common/logging';
import { loadConfig } from '../src/config/config';
import { listenOnLoopback } from './support/app';
import { createTestDatabase } from './support/database';
import { expectProblem, HttpClient } from './support/http';

class InnerDto {
  @IsString() name: string;
}
class EchoDto {
  @IsInt() @Max(10) count: number;
  @ValidateNested() @Type(() => InnerDto) inner: InnerDto;
}

/** Routes that exist only in this test, to reach error paths no real endpoint should have. */
@Controller('test-only')
class TestOnlyController {
  @Get('boom')
  boom(): never {
    throw new Error('internal detail: connection string postgres://secret@db');
  }

  @Post('echo')
  echo(@Body() dto: EchoDto): EchoDto {
    return dto;
  }
}

describe('errors are problem+json', () => {
  const logLines: Record<string, unknown>[] = [];
  let app: NestFastifyApplication;
  let http: HttpClient;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('errors');
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      DATA_DIR: '/tmp/clinic-booking-errors',
      CORS_ORIGINS: 'https://clinic.example',
    });
    // The app's own logger settings, writing to a sink this test reads.
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const logger = createRootLogger({ logLevel: 'info' }, sink);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.register({ ...config, databaseUrl }, logger)],
      controllers: [TestOnlyController],
    }).compile();
    app = setupApp(
      moduleRef.createNestApplication<NestFastifyApplication>(httpAdapter(config), APP_OPTIONS),
      config,
    );
    http = new HttpClient(await listenOnLoopback(app));
  });
  afterAll(() => app.close());

  it('answers an unknown route with 404 naming it', async () => {
    const problem = expectProblem(await http.get('/api/v1/no-such-thing'), 404);
    expect(problem).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      detail: 'There is no GET /api/v1/no-such-thing endpoint.',
    });
    expectProblem(await http.delete('/health'), 404);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await http.post('/api/v1/auth/login', undefined, {
      raw: '{"email": "a@b.test", ',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectProblem(response, 400).detail).toBe('The request body is not valid JSON.');
  });

  it('answers a body over 100 kB with 413', async () => {
    const response = await http.post('/api/v1/auth/login', {
      email: 'a@b.test',
      password: 'x'.repeat(101 * 1024),
    });
    expect(expectProblem(response, 413).detail).toMatch(/too large/);
  });

  it('answers a body that is not JSON, or has no type, with 415', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', undefined]) {
      const response = await http.post('/api/v1/auth/login', undefined, {
        // A Buffer, so that fetch adds no type of its own.
        raw: Buffer.from('email=a@b.test&password=x'),
        headers: contentType ? { 'content-type': contentType } : {},
      });
      expect(expectProblem(response, 415).detail).toBe(
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
  });

  it('reads the +json media types as JSON and refuses an empty JSON body', async () => {
    const typed = await http.post('/api/v1/test-only/echo', undefined, {
      raw: JSON.stringify({ count: 'three', inner: { name: 'x' } }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(expectProblem(typed, 400).errors!.map((e) => e.field)).toEqual(['count']);
    const empty = await http.post('/api/v1/test-only/echo', undefined, {
      raw: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectProblem(empty, 400).detail).toMatch(/empty/);
  });

  it('answers URLs the router refuses (bad percent-encoding, over-long segment) as problems', async () => {
    const badEncoding = await http.get('/api/v1/bookings/%ED%A0%80');
    expect(expectProblem(badEncoding, 400).detail).toMatch(/not valid/);
    expect(badEncoding.headers.get('x-request-id')).toBeTruthy();
    const long = await http.get(`/api/v1/bookings/${'A'.repeat(101)}`);
    expect(expectProblem(long, 414).detail).toMatch(/too long/);
    // Up to the limit, the route itself answers.
    expectProblem(await http.get(`/api/v1/bookings/${'A'.repeat(100)}`), 404);
  });

  it('names nested fields, wrong types and unknown fields', async () => {
    const response = await http.post('/api/v1/test-only/echo', {
      count: 'three',
      inner: { name: 5, extra: 1 },
      other: true,
    });
    const problem = expectProblem(response, 400);
    expect(problem.type).toBe('https://clinic-booking.dev/problems/validation-failed');
    expect(problem.errors!.map((e) => e.field).sort()).toEqual([
      'count',
      'inner.extra',
      'inner.name',
      'other',
    ]);
    expect(problem.detail).toContain('count');
  });

  it('answers an unexpected error with a 500 that shows no internals', async () => {
    const response = await http.get('/api/v1/test-only/boom');
    const problem = expectProblem(response, 500);
    expect(problem.title).toBe('Internal Server Error');
    expect(response.text).not.toMatch(/secret|postgres|stack|Error:/);
    const id = response.headers.get('x-request-id');
    expect(id).toBeTruthy();
    // Logged, with the request's id: by the filter (inside the request) and as the request.
    await new Promise((resolve) => setImmediate(resolve));
    const mine = logLines.filter((line) => line.reqId === id);
    expect(mine.map((line) => [line.level, line.msg])).toEqual([
      [50, 'unhandled error'],
      [50, 'request errored'],
    ]);
  });

  it('sends the security headers and allows only the configured CORS origins', async () => {
    const allowed = await http.request('OPTIONS', '/api/v1/auth/login', undefined, {
      headers: { origin: 'https://clinic.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://clinic.example');
    const other = await http.request('OPTIONS', '/api/v1/auth/login', undefined, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await http.get('/health');
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('x-powered-by')).toBeNull();
    // Served over plain HTTP (PUBLIC_BASE_URL http://…): no HSTS, no upgrade to https.
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    expect(plain.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(plain.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('security headers behind HTTPS', () => {
  it('sends HSTS and upgrade-insecure-requests when PUBLIC_BASE_URL is https', async () => {
    const t = await startTestApp({ PUBLIC_BASE_URL: 'https://book.clinic.example' });
    try {
      const response = await t.http.get('/health');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    } finally {
      await t.close();
    }
  });
});
