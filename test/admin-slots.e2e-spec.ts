import { wallClock } from '../src/common/time';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { daysFromNow, newSlot } from './support/factories';
import { expectProblem } from './support/http';

describe('staff slot endpoints', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = (await signedInStaff(t, 'receptionist')).token;
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown) => t.http.post(`/api/v1/admin/slots${path}`, body, { token });
  const slotCount = async () => Number((await t.dataSource.query('SELECT count(*) FROM slot'))[0].count);
  const iso = (date: Date) => date.toISOString();

  describe('POST /api/v1/admin/slots', () => {
    it('opens a slot and answers it as staff see it', async () => {
      const startsAt = daysFromNow(10, 8 * 60);
      const response = await post('', {
        startsAt: iso(startsAt),
        endsAt: iso(daysFromNow(10, 8 * 60 + 30)),
        capacity: 2,
        notes: 'Room 3',
      });
      expect(response.status).toBe(201);
      expect(response.json).toEqual({
        id: expect.any(String),
        startsAt: iso(startsAt),
        endsAt: iso(daysFromNow(10, 8 * 60 + 30)),
        startsAtLocal: wallClock(startsAt, 'Europe/Amsterdam'),
        endsAtLocal: wallClock(daysFromNow(10, 8 * 60 + 30), 'Europe/Amsterdam'),
        capacity: 2,
        bookedCount: 0,
        status: 'open',
        notes: 'Room 3',
      });
    });

    it('accepts an offset other than Z and stores the same instant', async () => {
      const response = await post('', {
        startsAt: '2031-03-04T10:00:00+01:00',
        endsAt: '2031-03-04T10:30+01:00',
        capacity: 1,
      });
      expect(response.status).toBe(201);
      expect(response.json.startsAt).toBe('2031-03-04T09:00:00.000Z');
    });

    it.each([
      [{ endsAt: '2031-05-01T08:30:00Z' }, 'endsAt', /after startsAt/],
      [{ startsAt: '2031-05-01T09:00:30Z', endsAt: '2031-05-01T09:30:00Z' }, 'startsAt', /whole minute/],
      [{ startsAt: '2020-05-01T09:00:00Z', endsAt: '2020-05-01T09:30:00Z' }, 'startsAt', /future/],
      [{ startsAt: '2031-02-30T09:00:00Z' }, 'startsAt', /ISO 8601/],
      [{ startsAt: '2031-05-01T09:00:00' }, 'startsAt', /offset/],
      [{ startsAt: 1234 }, 'startsAt', /ISO 8601/],
      [{ endsAt: '2031-05-02T10:00:00Z' }, 'endsAt', /24 hours/],
      [{ capacity: 0 }, 'capacity', /less than 1/],
      [{ capacity: 51 }, 'capacity', /not be greater than 50/],
      [{ capacity: '2' }, 'capacity', /whole number/],
      [{ capacity: 1.5 }, 'capacity', /whole number/],
      [{ capacity: null }, 'capacity', /whole number/],
      [{ notes: 'x'.repeat(501) }, 'notes', /500/],
      [{ room: 3 }, 'room', /should not exist/],
    ])('refuses %j with a 400 naming the field, creating nothing', async (change, field, message) => {
      const before = await slotCount();
      const body: Record<string, unknown> = {
        startsAt: '2031-05-01T09:00:00Z',
        endsAt: '2031-05-01T09:30:00Z',
        capacity: 1,
        ...change,
      };
      const problem = expectProblem(await post('', body), 400);
      expect(problem.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
      );
      expect(await slotCount()).toBe(before);
    });

    it('refuses an overlap with 409, allows back-to-back slots and overlapping a cancelled one', async () => {
      const a = { startsAt: '2031-06-02T09:00:00Z', endsAt: '2031-06-02T09:30:00Z', capacity: 1 };
      expect((await post('', a)).status).toBe(201);
      const overlap = expectProblem(
        await post('', { ...a, startsAt: '2031-06-02T09:29:00Z', endsAt: '2031-06-02T10:00:00Z' }),
        409,
      );
      expect(overlap).toMatchObject({
        type: 'https://clinic-booking.dev/problems/slot-overlap',
        detail: expect.stringMatching(/overlaps/),
      });
      expect(
        (await post('', { ...a, startsAt: '2031-06-02T09:30:00Z', endsAt: '2031-06-02T10:00:00Z' })).status,
      ).toBe(201);
      await t.dataSource.query(
        `UPDATE slot SET status = 'cancelled' WHERE starts_at = '2031-06-02T09:00:00Z'`,
      );
      expect((await post('', a)).status).toBe(201);
    });

    it('lets exactly one of many concurrent overlapping creates win', async () => {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          post('', {
            startsAt: `2031-06-03T09:${String(i).padStart(2, '0')}:00Z`,
            endsAt: '2031-06-03T09:45:00Z',
            capacity: 1,
          }),
        ),
      );
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of responses.filter((r) => r.status !== 201)) expectProblem(r, 409);
      const rows = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM slot WHERE starts_at::date = '2031-06-03'`,
      );
      expect(rows[0].n).toBe(1);
    });

    it('is for staff only', async () => {
      const body = { startsAt: '2031-06-04T09:00:00Z', endsAt: '2031-06-04T09:30:00Z', capacity: 1 };
      expectProblem(await t.http.post('/api/v1/admin/slots', body), 401);
      const admin = await signedInStaff(t, 'admin');
      expect((await t.http.post('/api/v1/admin/slots', body, { token: admin.token })).status).toBe(201);
    });
  });

  describe('POST /api/v1/admin/slots/bulk', () => {
    const designRota = {
      from: '2031-03-24',
      to: '2031-04-04',
      weekdays: [1, 2, 3, 4, 5],
      dayStart: '09:00',
      dayEnd: '17:00',
      slotMinutes: 30,
      capacity: 2,
      breaks: [{ start: '12:00', end: '13:00' }],
      excludeDates: ['2031-03-28'],
    };

    it('creates a rota in clinic time, then nothing the second time', async () => {
      const first = await post('/bulk', designRota);
      expect(first.status).toBe(201);
      expect(first.json).toEqual({
        created: 9 * 14,
        skipped: 0,
        skippedPast: 0,
        skippedOverlapping: 0,
        skippedClosed: 0,
      });
      const second = await post('/bulk', designRota);
      expect(second.json).toEqual({
        created: 0,
        skipped: 9 * 14,
        skippedPast: 0,
        skippedOverlapping: 9 * 14,
        skippedClosed: 0,
      });
      // 2031-03-24 is winter time in Amsterdam (09:00 = 08:00Z); 2031-04-01 is summer time (07:00Z).
      const starts = await t.dataSource.query(
        `SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS s FROM slot
         WHERE starts_at::date IN ('2031-03-24', '2031-04-01') ORDER BY starts_at LIMIT 1 OFFSET 0`,
      );
      expect(starts[0].s).toBe('2031-03-24 08:00');
      const summer = await t.dataSource.query(
        `SELECT min(starts_at) AS s FROM slot WHERE starts_at >= '2031-04-01' AND starts_at < '2031-04-02'`,
      );
      expect(summer[0].s.toISOString()).toBe('2031-04-01T07:00:00.000Z');
    });

    it('runs twice at once without creating anything twice', async () => {
      const rota = { ...designRota, from: '2031-05-05', to: '2031-05-09', excludeDates: [] };
      const [a, b] = await Promise.all([post('/bulk', rota), post('/bulk', rota)]);
      expect(a.json.created + b.json.created).toBe(5 * 14);
      expect(a.json.skipped + b.json.skipped).toBe(5 * 14);
    });

    it('skips and counts slots that overlap existing ones', async () => {
      await newSlot(t.dataSource, { startsAt: new Date('2031-07-07T08:15:00Z'), minutes: 30 }); // 10:15-10:45 local
      const response = await post('/bulk', {
        ...designRota,
        from: '2031-07-07',
        to: '2031-07-07',
        excludeDates: [],
      });
      expect(response.json).toEqual({
        created: 12,
        skipped: 2,
        skippedPast: 0,
        skippedOverlapping: 2,
        skippedClosed: 0,
      });
    });

    it('previews a rota with dryRun=true: exactly the slots it then creates, and nothing created before', async () => {
      const rota = {
        from: '2032-05-03',
        to: '2032-05-04',
        weekdays: [1, 2],
        dayStart: '09:00',
        dayEnd: '10:00',
        slotMinutes: 30,
        capacity: 2,
      };
      const count = async () =>
        (
          await t.dataSource.query(
            `SELECT count(*)::int AS n FROM slot WHERE starts_at::date BETWEEN '2032-05-03' AND '2032-05-04'`,
          )
        )[0].n;
      const preview = await post('/bulk?dryRun=true', rota);
      expect(preview.status).toBe(201);
      expect(preview.json).toMatchObject({ created: 4, skipped: 0 });
      expect(preview.json.slots.map((s: { startsAtLocal: string }) => s.startsAtLocal)).toEqual([
        '2032-05-03T09:00:00',
        '2032-05-03T09:30:00',
        '2032-05-04T09:00:00',
        '2032-05-04T09:30:00',
      ]);
      expect(await count()).toBe(0);
      const made = await post('/bulk', rota);
      expect(made.json).toMatchObject({ created: 4 });
      expect(made.json.slots).toBeUndefined();
      const [first] = await t.dataSource.query(
        `SELECT starts_at FROM slot WHERE starts_at::date = '2032-05-03' ORDER BY starts_at LIMIT 1`,
      );
      expect(first.starts_at.toISOString()).toBe(preview.json.slots[0].startsAt);
      expect((await post('/bulk?dryRun=true', rota)).json).toMatchObject({
        created: 0,
        skippedOverlapping: 4,
        slots: [],
      });
      expect(expectProblem(await post('/bulk?dryRun=yes', rota), 400).errors).toEqual([
        { field: 'dryRun', message: 'must be true or false' },
      ]);
    });

    it('says how many slots were left out because they were past, and how many because they overlapped', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const response = await post('/bulk', {
        ...designRota,
        from: '2026-01-05',
        to: '2026-01-09',
        excludeDates: [],
      });
      expect(today > '2026-01-09').toBe(true);
      expect(response.json).toEqual({
        created: 0,
        skipped: 5 * 14,
        skippedPast: 5 * 14,
        skippedOverlapping: 0,
        skippedClosed: 0,
      });
    });

    it('uses the given timezone instead of the clinic’s', async () => {
      const response = await post('/bulk', {
        ...designRota,
        from: '2031-08-04',
        to: '2031-08-04',
        dayEnd: '09:30',
        breaks: [],
        timezone: 'America/New_York',
      });
      expect(response.json).toEqual({
        created: 1,
        skipped: 0,
        skippedPast: 0,
        skippedOverlapping: 0,
        skippedClosed: 0,
      });
      const [row] = await t.dataSource.query(
        `SELECT starts_at FROM slot WHERE starts_at::date = '2031-08-04'`,
      );
      expect(row.starts_at.toISOString()).toBe('2031-08-04T13:00:00.000Z');
    });

    it.each([
      [{ from: '2031-02-30' }, 'from', /real date/],
      [{ to: '2031-13-01' }, 'to', /real date/],
      [{ dayStart: '25:00' }, 'dayStart', /HH:mm/],
      [{ dayEnd: '9am' }, 'dayEnd', /HH:mm/],
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone', /IANA/],
      [{ weekdays: [0, 8] }, 'weekdays', /1 \(Monday\) to 7/],
      [{ weekdays: [] }, 'weekdays', /at least 1/],
      [{ slotMinutes: 3 }, 'slotMinutes', /less than 5/],
      [{ breaks: [{ start: '12:00', end: '12:61' }] }, 'breaks.0.end', /HH:mm/],
      [{ breaks: [{ start: '13:00', end: '12:00' }] }, 'breaks.0.end', /after start/],
      [{ excludeDates: ['2031-02-29'] }, 'excludeDates', /real dates/],
      [{ to: '2031-03-01' }, 'to', /not be before from/],
      [{ to: '2032-03-25' }, 'to', /at most 366 days/],
      [{ dayStart: '17:00', dayEnd: '09:00' }, 'dayEnd', /after dayStart/],
      [
        { to: '2032-03-20', weekdays: [1, 2, 3, 4, 5, 6, 7], dayStart: '00:00', dayEnd: '24:00', breaks: [] },
        'to',
        /at most 10000/,
      ],
    ])('refuses %j with a 400 naming the field, creating nothing', async (change, field, message) => {
      const before = await slotCount();
      const problem = expectProblem(await post('/bulk', { ...designRota, ...change }), 400);
      expect(problem.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
      );
      expect(await slotCount()).toBe(before);
    });
  });

  describe('GET /api/v1/admin/slots', () => {
    it('filters by time and status, paginates, and counts the total', async () => {
      const day = '2032-01-12';
      const base = new Date(`${day}T08:00:00Z`);
      const statuses = ['open', 'closed', 'cancelled', 'open', 'open'] as const;
      for (let i = 0; i < statuses.length; i++) {
        await newSlot(t.dataSource, {
          startsAt: new Date(base.getTime() + i * 30 * 60_000),
          status: statuses[i],
          capacity: 3,
          bookedCount: i % 2,
        });
      }
      const window = `from=${day}T00:00:00Z&to=${day}T23:59:00Z`;
      const all = await t.http.get(`/api/v1/admin/slots?${window}`, { token });
      expect(all.json).toMatchObject({ total: 5, limit: 50, offset: 0, timeZone: 'Europe/Amsterdam' });
      expect(all.json.data.map((s: { status: string }) => s.status)).toEqual([...statuses]);
      expect(all.json.data[1]).toEqual({
        id: expect.any(String),
        startsAt: '2032-01-12T08:30:00.000Z',
        endsAt: '2032-01-12T09:00:00.000Z',
        startsAtLocal: '2032-01-12T09:30:00',
        endsAtLocal: '2032-01-12T10:00:00',
        capacity: 3,
        bookedCount: 1,
        status: 'closed',
        notes: null,
      });
      const open = await t.http.get(`/api/v1/admin/slots?${window}&status=open&limit=2&offset=1`, { token });
      expect(open.json).toMatchObject({ total: 3, limit: 2, offset: 1 });
      expect(open.json.data.map((s: { startsAt: string }) => s.startsAt)).toEqual([
        '2032-01-12T09:30:00.000Z',
        '2032-01-12T10:00:00.000Z',
      ]);
      const two = await t.http.get(`/api/v1/admin/slots?${window}&status=closed,cancelled`, { token });
      expect(two.json.total).toBe(2);
      const repeated = await t.http.get(`/api/v1/admin/slots?${window}&status=closed&status=cancelled`, {
        token,
      });
      expect(repeated.json.total).toBe(2);
      // A plain date is the clinic's day, both ends included.
      const byDate = await t.http.get(`/api/v1/admin/slots?from=${day}&to=${day}`, { token });
      expect(byDate.json.total).toBe(5);
    });

    it.each([
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
      ['status=deleted', 'status'],
      ['from=yesterday', 'from'],
      ['sort=name', 'sort'],
    ])('refuses ?%s with a 400 naming %s', async (query, field) => {
      const problem = expectProblem(await t.http.get(`/api/v1/admin/slots?${query}`, { token }), 400);
      expect(problem.errors!.map((e) => e.field)).toContain(field);
    });

    it('is for staff only', async () => {
      expectProblem(await t.http.get('/api/v1/admin/slots'), 401);
    });
  });

  describe('PATCH /api/v1/admin/slots/:id', () => {
    const patch = (id: string, body: unknown) => t.http.patch(`/api/v1/admin/slots/${id}`, body, { token });

    it('changes capacity, closes and reopens, sets and clears notes', async () => {
      const { id } = await newSlot(t.dataSource, { capacity: 2, bookedCount: 1 });
      expect((await patch(id, { capacity: 4 })).json).toMatchObject({
        capacity: 4,
        bookedCount: 1,
        status: 'open',
      });
      expect((await patch(id, { status: 'closed', notes: 'Nurse ill' })).json).toMatchObject({
        status: 'closed',
        notes: 'Nurse ill',
        bookedCount: 1,
      });
      expect((await patch(id, { status: 'open', notes: null })).json).toMatchObject({
        status: 'open',
        notes: null,
      });
      expect((await patch(id, { capacity: 1 })).json).toMatchObject({ capacity: 1, bookedCount: 1 });
    });

    it('never lowers capacity below the bookings (409)', async () => {
      const { id } = await newSlot(t.dataSource, { capacity: 3, bookedCount: 2 });
      const problem = expectProblem(await patch(id, { capacity: 1 }), 409);
      expect(problem.detail).toMatch(/2 booking/);
      const [row] = await t.dataSource.query('SELECT capacity FROM slot WHERE id = $1', [id]);
      expect(row.capacity).toBe(3);
    });

    it('leaves a cancelled slot alone (409)', async () => {
      const { id } = await newSlot(t.dataSource, { status: 'cancelled' });
      expectProblem(await patch(id, { status: 'open' }), 409);
    });

    it('answers 404 for an unknown slot and 400 for a malformed id or body', async () => {
      expectProblem(await patch('6f1c2a4e-0000-4000-8000-000000000000', { capacity: 2 }), 404);
      const badId = expectProblem(await patch('not-a-uuid', { capacity: 2 }), 400);
      expect(badId.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
      const { id } = await newSlot(t.dataSource);
      expect(expectProblem(await patch(id, {}), 400).errors![0].field).toBe('body');
      expect(expectProblem(await patch(id, { status: 'cancelled' }), 400).errors![0].field).toBe('status');
      expect(expectProblem(await patch(id, { capacity: null }), 400).errors![0].field).toBe('capacity');
      expect(expectProblem(await patch(id, { bookedCount: 0 }), 400).errors![0].field).toBe('bookedCount');
    });
  });
});
