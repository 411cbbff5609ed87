import { isoUtc } from '../src/common/sql';
import { wallClock } from '../src/common/time';
import { AVAILABLE_SLOTS_SQL } from '../src/slots/slots.service';
import { startTestApp, TestApp } from './support/app';
import { daysFromNow, newSlot } from './support/factories';
import { expectProblem } from './support/http';

describe('GET /api/v1/slots (public availability)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BOOKING_MIN_NOTICE_MINUTES: '120' });
  });
  afterAll(() => t.close());

  const window = (fromDays: number, toDays: number) =>
    `from=${daysFromNow(fromDays, 0).toISOString()}&to=${daysFromNow(toDays, 0).toISOString()}`;

  it('shows only open slots with a free place, with what is left and nothing staff-only', async () => {
    const open = await newSlot(t.dataSource, {
      startsAt: daysFromNow(3, 9 * 60),
      capacity: 3,
      bookedCount: 1,
    });
    await newSlot(t.dataSource, { startsAt: daysFromNow(3, 10 * 60), capacity: 2, bookedCount: 2 }); // full
    await newSlot(t.dataSource, { startsAt: daysFromNow(3, 11 * 60), status: 'closed' });
    await newSlot(t.dataSource, { startsAt: daysFromNow(3, 12 * 60), status: 'cancelled' });
    const response = await t.http.get(`/api/v1/slots?${window(3, 4)}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      data: [
        {
          id: open.id,
          startsAt: open.startsAt.toISOString(),
          endsAt: open.endsAt.toISOString(),
          startsAtLocal: wallClock(open.startsAt, 'Europe/Amsterdam'),
          endsAtLocal: wallClock(open.endsAt, 'Europe/Amsterdam'),
          remaining: 2,
        },
      ],
      nextCursor: null,
      timeZone: 'Europe/Amsterdam',
    });
  });

  it('takes plain dates for from and to: the clinic’s days, both included', async () => {
    const open = await newSlot(t.dataSource, { capacity: 1, startsAt: daysFromNow(20, 9 * 60) });
    const day = open.startsAt.toISOString().slice(0, 10);
    const response = await t.http.get(`/api/v1/slots?from=${day}&to=${day}`);
    expect(response.status).toBe(200);
    expect(response.json.data.map((s: { id: string }) => s.id)).toContain(open.id);
    const before = await t.http.get(
      `/api/v1/slots?from=${day}&to=${day}`.replace(`to=${day}`, `to=${day}T00:00:00Z`),
    );
    expect(before.json.data.map((s: { id: string }) => s.id)).not.toContain(open.id);
  });

  it('hides slots that start within the minimum notice, and past ones', async () => {
    const now = Date.now();
    const soon = await newSlot(t.dataSource, {
      startsAt: new Date(Math.ceil((now + 90 * 60_000) / 60_000) * 60_000),
    });
    const later = await newSlot(t.dataSource, {
      startsAt: new Date(Math.ceil((now + 150 * 60_000) / 60_000) * 60_000),
    });
    await newSlot(t.dataSource, { startsAt: new Date(Math.floor((now - 3 * 3600_000) / 60_000) * 60_000) });
    const from = new Date(now - 4 * 3600_000).toISOString();
    const to = new Date(now + 4 * 3600_000).toISOString();
    const ids = (await t.http.get(`/api/v1/slots?from=${from}&to=${to}`)).json.data.map(
      (s: { id: string }) => s.id,
    );
    expect(ids).toContain(later.id);
    expect(ids).not.toContain(soon.id);
  });

  it('pages through every slot in start order with an opaque cursor, none twice', async () => {
    const made = [];
    for (let i = 0; i < 7; i++)
      made.push(await newSlot(t.dataSource, { startsAt: daysFromNow(8, 8 * 60 + i * 30) }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { json: { data: { id: string; startsAt: string }[]; nextCursor: string | null } } =
        await t.http.get(`/api/v1/slots?${window(8, 9)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.json.data.map((s) => s.id));
      cursor = page.json.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(made.map((s) => s.id));
  });

  it('defaults to the next four weeks', async () => {
    const inside = await newSlot(t.dataSource, { startsAt: daysFromNow(27, 10 * 60) });
    const outside = await newSlot(t.dataSource, { startsAt: daysFromNow(29, 10 * 60) });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { id: string }[]; nextCursor: string | null } } = await t.http.get(
        `/api/v1/slots?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...page.json.data.map((s) => s.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(ids).toContain(inside.id);
    expect(ids).not.toContain(outside.id);
  });

  it('writes times as toISOString() does, whatever the session time zone', async () => {
    const instants = [
      '2027-03-28T00:59:59.999Z', // the hour before Amsterdam's clocks go forward
      '2027-03-28T01:00:00.000Z',
      '2027-10-31T00:30:00.500Z', // inside the hour Amsterdam repeats
      '2028-02-29T23:59:00.000Z',
      '2099-12-31T23:30:00.001Z',
      '1999-12-31T23:00:00.000Z',
    ];
    const runner = t.dataSource.createQueryRunner();
    try {
      for (const zone of ['UTC', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
        await runner.query(`SET TIME ZONE '${zone}'`);
        const rows: { iso: string }[] = await runner.query(
          `SELECT ${isoUtc('t')} AS iso FROM unnest($1::timestamptz[]) WITH ORDINALITY AS x(t, n) ORDER BY n`,
          [instants],
        );
        expect(rows.map((row) => row.iso)).toEqual(instants);
      }
      // Microseconds (never made by this API) are cut to milliseconds, as a Date would hold them.
      const [{ iso }] = await runner.query(
        `SELECT ${isoUtc("'2027-01-01T10:00:00.123999Z'::timestamptz")} AS iso`,
      );
      expect(iso).toBe('2027-01-01T10:00:00.123Z');
    } finally {
      await runner.query('RESET TIME ZONE'); // the connection goes back to the pool
      await runner.release();
    }
  });

  it.each([
    [window(1, 95), 'to', /93 days/],
    [window(5, 4), 'to', /after from/],
    ['from=2027-02-30T00:00:00Z', 'from', /ISO 8601/],
    ['to=tomorrow', 'to', /ISO 8601/],
    ['limit=0', 'limit', /less than 1/],
    ['limit=501', 'limit', /greater than 500/],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor', /not a cursor/],
    ['cursor=%%%', 'cursor', /not a cursor/],
    ['capacity=1', 'capacity', /should not exist/],
  ])('refuses ?%s with a 400 naming %s', async (query, field, message) => {
    const problem = expectProblem(await t.http.get(`/api/v1/slots?${query}`), 400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
    );
  });
});

describe('availability at scale', () => {
  it('reads 100,000 slots through an index, not a sequential scan', async () => {
    const t = await startTestApp();
    try {
      await t.dataSource.query(`
        INSERT INTO slot (starts_at, ends_at, capacity, booked_count, status)
        SELECT now() + make_interval(mins => 30 * g), now() + make_interval(mins => 30 * g + 30),
               2, CASE WHEN g % 7 = 0 THEN 2 ELSE g % 2 END, CASE WHEN g % 11 = 0 THEN 'closed' ELSE 'open' END
        FROM generate_series(1, 100000) AS g`);
      await t.dataSource.query('ANALYZE slot');
      const from = daysFromNow(100, 0);
      const to = daysFromNow(107, 0);
      const [[{ 'QUERY PLAN': plan }]] = [
        await t.dataSource.query(`EXPLAIN (FORMAT JSON) ${AVAILABLE_SLOTS_SQL}`, [
          from,
          to,
          new Date(),
          '1970-01-01T00:00:00Z',
          '00000000-0000-0000-0000-000000000000',
          51,
          'Europe/Amsterdam',
          daysFromNow(200, 0),
        ]),
      ];
      const text = JSON.stringify(plan);
      expect(text).toContain('slot_bookable_idx');
      expect(text).not.toContain('Seq Scan');

      const admin = await t.dataSource.query(
        `EXPLAIN (FORMAT JSON) SELECT id FROM slot WHERE starts_at >= $1 AND starts_at < $2 ORDER BY starts_at, id LIMIT 50`,
        [from, to],
      );
      expect(JSON.stringify(admin)).toContain('slot_starts_at_idx');

      const response = await t.http.get(
        `/api/v1/slots?from=${from.toISOString()}&to=${to.toISOString()}&limit=500`,
      );
      expect(response.status).toBe(200);
      expect(response.json.data.length).toBeGreaterThan(100);
    } finally {
      await t.close();
    }
  });
});
