import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { connect, Socket } from 'node:net';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';

/** A fingerprint of everything a request could change. */
async function fingerprint(t: TestApp): Promise<string> {
  const [row] = await t.dataSource.query(`
    SELECT (SELECT count(*) FROM slot) AS slots, (SELECT coalesce(sum(booked_count), 0) FROM slot) AS places,
           (SELECT coalesce(max(updated_at), 'epoch') FROM slot) AS slot_changed,
           (SELECT count(*) FROM booking) AS bookings, (SELECT coalesce(max(updated_at), 'epoch') FROM booking) AS booking_changed,
           (SELECT count(*) FROM patient) AS patients, (SELECT coalesce(max(updated_at), 'epoch') FROM patient) AS patient_changed,
           (SELECT count(*) FROM notification) AS notifications, (SELECT count(*) FROM staff) AS staff,
           (SELECT count(*) FROM idempotency_key) AS keys`);
  return JSON.stringify(row);
}

const DATETIMES = [
  '2027-03-28T02:30:00', // in the spring-forward gap, no offset
  '2027-03-28T02:30:00+01:00',
  '2027-10-31T02:30:00',
  '2027-02-30T10:00:00Z',
  '2027-13-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2027-03-22',
  'now',
  '',
  '1e309',
];

/** Strings meant to break things: huge, unicode edge cases, injections, numbers as text. */
const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'e\u0301',
    '\u202Eevil',
    "'; DROP TABLE booking; --",
    '<script>alert(1)</script>',
    '%00',
    '../../etc/passwd',
    'NaN',
    '-1',
    '1e999',
    'x'.repeat(20_000),
    ...DATETIMES,
  ),
);
const anyValue = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
);

/** A valid body with some fields wrong, missing or extra. */
function mutated(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc
    .record({
      drop: fc.subarray(keys),
      change: fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 3 }),
      extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyValue, { maxKeys: 2 }),
    })
    .map(({ drop, change, extra }) => {
      const body: Record<string, unknown> = { ...valid, ...change, ...extra };
      for (const key of drop) delete body[key];
      return body;
    });
}

const query = (keys: string[]) =>
  fc
    .dictionary(
      fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })),
      fc.oneof(nasty, fc.constantFrom(...DATETIMES)),
      { maxKeys: 4 },
    )
    .map((params) => new URLSearchParams(params as Record<string, string>).toString());

describe('hostile input', () => {
  let t: TestApp;
  let admin: string;
  let slotId: string;
  let reference: string;
  let manageToken: string;
  beforeAll(async () => {
    t = await startTestApp({ NOTIFICATION_POLL_MS: '3600000', MAX_CONCURRENT_PER_CLIENT: '0' });
    admin = (await signedInStaff(t, 'admin')).token;
    slotId = (await newSlot(t.dataSource, { capacity: 50 })).id;
    const booked = await t.http.post('/api/v1/bookings', bookingBody(slotId));
    ({ reference, manageToken } = booked.json);
  });
  afterAll(() => t.close());

  /** Sends one request and checks the rules: no 5xx, problem+json for 4xx, nothing changed when refused. */
  async function probe(
    method: string,
    path: string,
    body: unknown,
    options: { raw?: string; contentType?: string } = {},
  ) {
    const before = await fingerprint(t);
    const response = await t.http.request(method, path, options.raw === undefined ? body : undefined, {
      token: path.includes('/admin/') ? admin : undefined,
      raw: options.raw,
      headers: {
        ...(options.contentType ? { 'content-type': options.contentType } : {}),
        ...(path.includes('/bookings/B12') ? { 'x-booking-token': manageToken } : {}),
      },
    });
    if (response.status >= 500)
      throw new Error(`${method} ${path} → ${response.status}: ${response.text.slice(0, 300)}`);
    if (response.status >= 400) {
      expect(response.contentType).toMatch(/^application\/problem\+json/);
      expect(response.json).toMatchObject({
        status: response.status,
        title: expect.any(String),
        detail: expect.any(String),
      });
      expect(await fingerprint(t)).toBe(before);
    }
    return response.status;
  }

  const RUNS = 120;

  it('refuses text that is not well formed (NUL, unpaired surrogates) naming the field: cases the fuzzing found', async () => {
    const cases: [string, string, unknown, string][] = [
      [
        'POST',
        '/api/v1/admin/staff',
        { email: '\ud800', password: 'long enough pass', role: 'receptionist' },
        'email',
      ],
      [
        'POST',
        '/api/v1/bookings',
        { ...bookingBody(slotId), patient: { ...anyPatient(), email: 'a\udc00@b.nl' } },
        'patient.email',
      ],
      ['POST', '/api/v1/bookings', { ...bookingBody(slotId), notes: 'nul\u0000here' }, 'notes'],
      ['GET', '/api/v1/admin/audit?action=%00', undefined, 'action'],
    ];
    for (const [method, path, body, field] of cases) {
      const before = await fingerprint(t);
      const response = await t.http.request(method, path, body, { token: admin });
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.json.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await fingerprint(t)).toBe(before);
    }
  });

  it('answers 400, not 500, to what the adversarial review sent: forged cursors, deep JSON, long invisible names', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [string, string, unknown, string][] = [
      [
        'GET',
        `/api/v1/slots?cursor=${cursor(['2027-01-01T00:00:00Z', '-'.repeat(36)])}`,
        undefined,
        'cursor',
      ],
      ['GET', `/api/v1/slots?cursor=${cursor(['0000-01-01T00:00:00Z', randomUUID()])}`, undefined, 'cursor'],
      ['POST', '/api/v1/bookings', { raw: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000) }, 'body'],
      [
        'POST',
        '/api/v1/bookings',
        { ...bookingBody(slotId), patient: { ...anyPatient(), firstName: `A${'\ufe0f'.repeat(100)}` } },
        'patient.firstName',
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const before = await fingerprint(t);
      const raw = (body as { raw?: string } | undefined)?.raw;
      const response = await t.http.request(method, path, raw === undefined ? body : undefined, {
        raw,
        headers: raw === undefined ? {} : { 'content-type': 'application/json' },
      });
      expect({ path: path.slice(0, 60), status: response.status }).toEqual({
        path: path.slice(0, 60),
        status: 400,
      });
      expect(response.json.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await fingerprint(t)).toBe(before);
    }
  });

  it('refuses names and notes with line breaks, direction overrides or nothing visible, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ patient: { ...anyPatient(), firstName: 'Anna\nBcc: x@evil.test' } }, 'patient.firstName'],
      [{ patient: { ...anyPatient(), lastName: 'Vries\u202Egnp.exe' } }, 'patient.lastName'],
      [{ patient: { ...anyPatient(), lastName: '\u200B\u200B\u2060' } }, 'patient.lastName'],
      [{ notes: 'fine\u0007bell' }, 'notes'],
      [{ notes: '\u2066hidden\u2069' }, 'notes'],
    ];
    for (const [change, field] of cases) {
      const before = await fingerprint(t);
      const response = await t.http.post('/api/v1/bookings', { ...bookingBody(slotId), ...change });
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect(response.json.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await fingerprint(t)).toBe(before);
    }
    // A note may have line breaks; a name with accents and an apostrophe is a name.
    const fine = await t.http.post('/api/v1/bookings', {
      ...bookingBody(slotId, { firstName: 'Zoë', lastName: "d'Ancona-Ünal" }),
      notes: 'wheelchair\nplease ring',
    });
    expect(fine.status).toBe(201);
  });

  it('never answers 5xx to mangled bodies on any endpoint, and refused ones change nothing', async () => {
    const slotBody = {
      startsAt: '2031-09-01T09:00:00Z',
      endsAt: '2031-09-01T09:30:00Z',
      capacity: 1,
      notes: 'n',
    };
    const rota = {
      from: '2031-09-08',
      to: '2031-09-09',
      weekdays: [1, 2],
      dayStart: '09:00',
      dayEnd: '10:00',
      slotMinutes: 30,
      capacity: 1,
      breaks: [{ start: '09:30', end: '09:45' }],
      excludeDates: ['2031-09-09'],
    };
    const targets: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/v1/bookings', bookingBody(slotId) as unknown as Record<string, unknown>],
      ['POST', '/api/v1/bookings', { slotId, patient: anyPatient() }],
      ['POST', `/api/v1/bookings/${reference}/cancel`, { reason: 'r' }],
      ['POST', `/api/v1/bookings/${reference}/reschedule`, { slotId }],
      ['POST', '/api/v1/auth/login', { email: 'a@b.test', password: 'p' }],
      ['POST', '/api/v1/admin/slots', slotBody],
      ['POST', '/api/v1/admin/slots/bulk', rota],
      ['PATCH', `/api/v1/admin/slots/${slotId}`, { capacity: 40, status: 'open', notes: null }],
      ['POST', `/api/v1/admin/slots/${slotId}/cancel`, { reason: 'x' }],
      [
        'PATCH',
        `/api/v1/admin/bookings/00000000-0000-4000-8000-000000000000`,
        { status: 'attended', reason: 'r' },
      ],
      [
        'POST',
        '/api/v1/admin/staff',
        { email: 'new@clinic.test', password: 'long enough pass', role: 'receptionist' },
      ],
    ];
    let cases = 0;
    for (const [method, path, valid] of targets) {
      await fc.assert(
        fc.asyncProperty(mutated(valid), async (body) => {
          cases++;
          const status = await probe(method, path, body);
          // A mutation may happen to be valid; then undo nothing, just do not let it pile up.
          if (status < 400 && path.endsWith('/cancel') && path.includes('/admin/slots/')) {
            slotId = (await newSlot(t.dataSource, { capacity: 50 })).id;
          }
        }),
        { numRuns: RUNS },
      );
    }
    expect(cases).toBe(RUNS * targets.length);
  });

  it('never answers 5xx to hostile query strings and path parameters', async () => {
    const targets: [string, string[]][] = [
      ['/api/v1/slots', ['from', 'to', 'limit', 'cursor']],
      ['/api/v1/admin/slots', ['from', 'to', 'status', 'limit', 'offset']],
      [
        '/api/v1/admin/bookings',
        ['from', 'to', 'status', 'slotId', 'patientId', 'q', 'sort', 'limit', 'offset', 'format'],
      ],
      ['/api/v1/admin/patients', ['q', 'limit', 'offset']],
      ['/api/v1/admin/notifications', ['status', 'kind', 'limit', 'offset']],
      [
        '/api/v1/admin/audit',
        ['from', 'to', 'actorId', 'action', 'recordType', 'recordId', 'limit', 'offset'],
      ],
    ];
    for (const [path, keys] of targets) {
      await fc.assert(
        fc.asyncProperty(query(keys), async (qs) => {
          await probe('GET', `${path}?${qs}`, undefined);
        }),
        { numRuns: RUNS },
      );
    }
    // A lone surrogate cannot be URI-encoded: send the invalid UTF-8 bytes it stands for.
    const encode = (id: string) => {
      try {
        return encodeURIComponent(id) || 'x';
      } catch {
        return '%ED%A0%80';
      }
    };
    const ids = fc.oneof(nasty, fc.uuid()).map(encode);
    await fc.assert(
      fc.asyncProperty(
        ids,
        fc.constantFrom(
          'GET /api/v1/bookings/',
          'GET /api/v1/admin/patients/',
          'DELETE /api/v1/admin/patients/',
          'POST /api/v1/admin/notifications/',
          'PATCH /api/v1/admin/slots/',
        ),
        async (id, route) => {
          const [method, prefix] = route.split(' ');
          const suffix = prefix.includes('notifications') ? '/retry' : '';
          await probe(method, `${prefix}${id}${suffix}`, method === 'PATCH' ? { capacity: 2 } : undefined);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('refuses bad JSON and wrong content types with a 4xx problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 50 }),
          fc.constantFrom('{', '{"a":', '[1,2', 'null', '"str"', '{"slotId": 1}}', '\u0000'),
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
        ),
        fc.constantFrom(
          '/api/v1/bookings',
          '/api/v1/auth/login',
          '/api/v1/admin/slots',
          `/api/v1/bookings/${reference}/cancel`,
        ),
        async (raw, contentType, path) => {
          await probe('POST', path, undefined, { raw: raw || ' ', contentType });
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

function anyPatient() {
  return {
    firstName: 'A',
    lastName: 'B',
    email: 'a.b@example.nl',
    phone: '0612345678',
    dateOfBirth: '1990-01-01',
  };
}

describe('idle keep-alive connections', () => {
  it('are kept open for HTTP_KEEP_ALIVE_TIMEOUT_MS, announced in Keep-Alive, then closed', async () => {
    const t = await startTestApp({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '2000' });
    try {
      const url = new URL(t.url);
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect(Number(url.port), url.hostname, () => resolve(s));
        s.on('error', reject);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      const closedAt = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      while (!data.includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 10));
      const answeredAt = Date.now();
      expect(data).toMatch(/^HTTP\/1\.1 200/);
      expect(data).toMatch(/Keep-Alive: timeout=2\r\n/i);
      const idle = (await closedAt) - answeredAt;
      expect(idle).toBeGreaterThanOrEqual(1900);
      expect(idle).toBeLessThan(10_000);
    } finally {
      await t.close();
    }
  });
});

describe('slow and greedy clients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      MAX_CONCURRENT_PER_CLIENT: '3',
    });
  });
  afterAll(() => t.close());

  function open(): Promise<Socket> {
    const url = new URL(t.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
      socket.on('error', reject);
    });
  }
  function closed(socket: Socket): Promise<{ at: number; data: string }> {
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    return new Promise((resolve) => socket.on('close', () => resolve({ at: Date.now(), data })));
  }

  it('drops a client that sends its headers too slowly (408)', async () => {
    const socket = await open();
    const end = closed(socket);
    const started = Date.now();
    socket.write('GET /api/v1/slots HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const { at, data } = await end;
    clearInterval(trickle);
    expect(at - started).toBeLessThan(5000);
    expect(data).toMatch(/^HTTP\/1\.1 408/);
    expect(data).toContain('Content-Type: application/problem+json');
  });

  it('drops a client that sends its body too slowly', async () => {
    const socket = await open();
    const end = closed(socket);
    const started = Date.now();
    socket.write(
      'POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    const { at } = await end;
    clearInterval(trickle);
    expect(at - started).toBeLessThan(6000);
  });

  it('lets one address hold only a few requests at once on the public endpoints', async () => {
    const holders = await Promise.all([open(), open(), open()]);
    for (const socket of holders) {
      socket.write(
        'POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await t.http.get('/api/v1/slots');
    expect(refused.status).toBe(429);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await t.http.get('/health')).status).toBe(200); // not a public booking endpoint
    for (const socket of holders) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await t.http.get('/api/v1/slots')).status).toBe(200);
  });

  it('caps the route the router matched, so a percent-encoded path does not escape it, and caps staff endpoints apart', async () => {
    const hold = async (path: string) => {
      const sockets = await Promise.all([open(), open(), open()]);
      for (const socket of sockets) {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      return sockets;
    };
    const encoded = await hold('/api/v1/%62ookings');
    expect((await t.http.get('/api/v1/slots')).status).toBe(429);
    // Staff endpoints have a budget of their own: the public rush does not block the front desk.
    expect((await t.http.post('/api/v1/auth/login', { email: 'a@b.test', password: 'x' })).status).not.toBe(
      429,
    );
    for (const socket of encoded) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const staff = await hold('/api/v1/admin/slots');
    expect((await t.http.get('/api/v1/admin/slots')).status).toBe(429);
    expect((await t.http.get('/api/v1/slots')).status).toBe(200);
    for (const socket of staff) socket.destroy();
  });
});
