import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BOOK } from '../src/bookings/book.statement';
import { IdempotencyService } from '../src/bookings/idempotency.service';
import { runSql } from '../src/common/sql';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, daysFromNow, newSlot } from './support/factories';
import { expectProblem, HttpResponse } from './support/http';

describe('booking a B12 assessment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BOOKING_MIN_NOTICE_MINUTES: '60', CANCELLATION_DEADLINE_HOURS: '24' });
  });
  afterAll(() => t.close());

  const book = (body: unknown, headers: Record<string, string> = {}) =>
    t.http.post('/api/v1/bookings', body, { headers });
  const counts = async (slotId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT s.booked_count AS "bookedCount",
              (SELECT count(*)::int FROM booking b WHERE b.slot_id = s.id AND b.status = 'booked') AS booked
       FROM slot s WHERE s.id = $1`,
      [slotId],
    );
    return row as { bookedCount: number; booked: number };
  };
  const tableCounts = async () => {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM booking) AS bookings, (SELECT count(*)::int FROM patient) AS patients,
              (SELECT coalesce(sum(booked_count), 0)::int FROM slot) AS places,
              (SELECT count(*)::int FROM idempotency_key) AS keys,
              (SELECT count(*)::int FROM notification) AS emails,
              (SELECT count(*)::int FROM booking_quota) AS quotas`,
    );
    return row;
  };

  /** The booking statement itself, for a new patient `email` under `reference` (token, times and emails fixed). */
  const bookStatement = (
    db: Pick<EntityManager, 'query'>,
    slotId: string,
    reference: string,
    email: string,
  ) =>
    runSql<{ id: string }[]>(
      db,
      BOOK,
      BOOK.values({
        firstName: 'Bram',
        lastName: 'Smit',
        email,
        phone: '+31612345678',
        dateOfBirth: '1970-03-04',
        locale: 'en',
        bookingId: randomUUID(),
        identity: createHash('sha256').update(email).digest('hex'),
        maxActive: 2,
        reference,
        slotId,
        tokenHash: 'a'.repeat(64),
        notes: null,
        earliest: new Date(),
        latest: new Date('9999-01-01T00:00:00Z'),
        now: new Date(),
        payload: '{"slotId": null}',
        secret: 'sealed',
        reminderHours: 24,
        frontDesk: null,
        staffLocale: 'nl',
      }),
    );

  describe('POST /api/v1/bookings', () => {
    it('takes a place and answers the booking with a manage token shown once', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 2 });
      const body = bookingBody(
        slot.id,
        { email: 'Anna.Jansen@Example.NL', phone: '06 1234 5678' },
        { notes: 'wheelchair' },
      );
      const response = await book(body);
      expect(response.status).toBe(201);
      expect(response.json).toEqual({
        id: expect.any(String),
        reference: expect.stringMatching(/^B12-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{6}$/),
        status: 'booked',
        slot: { id: slot.id, startsAt: slot.startsAt.toISOString(), endsAt: slot.endsAt.toISOString() },
        patient: { firstName: 'Anna', lastName: body.patient.lastName, email: 'anna.jansen@example.nl' },
        createdAt: expect.any(String),
        manageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });
      const [stored] = await t.dataSource.query(
        `SELECT b.manage_token_hash, b.notes, p.phone, p.email, p.locale FROM booking b JOIN patient p ON p.id = b.patient_id WHERE b.id = $1`,
        [response.json.id],
      );
      expect(stored).toEqual({
        manage_token_hash: createHash('sha256').update(response.json.manageToken).digest('hex'),
        notes: 'wheelchair',
        phone: '+31612345678',
        email: 'anna.jansen@example.nl',
        locale: 'en',
      });
    });

    it('lets exactly one of 40 concurrent patients have the last place', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 1 });
      const responses = await Promise.all(Array.from({ length: 40 }, () => book(bookingBody(slot.id))));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      const refused = responses.filter((r) => r.status !== 201);
      expect(refused).toHaveLength(39);
      for (const r of refused) expect(expectProblem(r, 409).type).toMatch(/slot-full$/);
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });
    });

    it('gives a five-place slot to exactly five of 60 concurrent patients', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 5 });
      const responses = await Promise.all(Array.from({ length: 60 }, () => book(bookingBody(slot.id))));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(5);
      expect(responses.filter((r) => r.status === 409)).toHaveLength(55);
      expect(await counts(slot.id)).toEqual({ bookedCount: 5, booked: 5 });
    });

    it('writes nothing for a reference drawn twice (not even the patient), so the next draw books normally', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 2 });
      const taken = (await book(bookingBody(slot.id))).json.reference;
      const before = await tableCounts();
      await expect(
        bookStatement(t.dataSource, slot.id, taken, 'bram.collision@example.nl'),
      ).rejects.toMatchObject({ driverError: { code: '23505', constraint: 'booking_reference_unique' } });
      expect(await tableCounts()).toEqual(before);
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });

      const [booked] = await bookStatement(t.dataSource, slot.id, 'B12-ZZZZZZ', 'bram.collision@example.nl');
      expect(booked).toEqual({
        id: expect.any(String),
        createdAt: expect.any(Date),
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        withinLimit: true,
        patientFound: true,
      });
      expect(await counts(slot.id)).toEqual({ bookedCount: 2, booked: 2 });
      const emails = await t.dataSource.query(
        `SELECT kind, recipient, payload->>'reference' AS reference FROM notification WHERE booking_id = $1 ORDER BY kind`,
        [booked.id],
      );
      expect(emails).toEqual([
        { kind: 'booking_confirmed', recipient: 'bram.collision@example.nl', reference: 'B12-ZZZZZZ' },
        { kind: 'reminder', recipient: 'bram.collision@example.nl', reference: 'B12-ZZZZZZ' },
      ]);
    });

    it('runs the booking statement prepared: each connection parses it once, then only binds and runs it', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 10 });
      const runner = t.dataSource.createQueryRunner();
      // This session's statements by that name (one connection: the runner's), and how often each ran.
      const prepared = async () =>
        (await runner.query(
          `SELECT statement, (custom_plans + generic_plans)::int AS runs FROM pg_prepared_statements WHERE name = $1`,
          [BOOK.name],
        )) as { statement: string; runs: number }[];
      try {
        await bookStatement(runner.manager, slot.id, 'B12-PREP00', 'prepared.0@example.nl');
        const [{ runs }] = await prepared();
        for (let i = 1; i < 7; i++)
          await bookStatement(runner.manager, slot.id, `B12-PREP0${i}`, `prepared.${i}@example.nl`);
        expect(await prepared()).toEqual([{ statement: BOOK.text, runs: runs + 6 }]);
      } finally {
        await runner.release();
      }
      expect(await counts(slot.id)).toEqual({ bookedCount: 7, booked: 7 });
    });

    it("changes the slot's count in place (a HOT update), writing no index entries", async () => {
      const slot = await newSlot(t.dataSource, { capacity: 3 });
      // This connection's own counts, not yet flushed to the server-wide statistics: exact.
      const slotUpdates = (manager: EntityManager) =>
        manager
          .query(
            `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS "inPlace" FROM pg_stat_xact_user_tables WHERE relname = 'slot'`,
          )
          .then(([row]: { updated: number; inPlace: number }[]) => row);
      const updates = await t.dataSource
        .transaction(async (manager) => {
          const before = await slotUpdates(manager);
          await bookStatement(manager, slot.id, 'B12-HHHHHH', 'cor.hot@example.nl');
          const after = await slotUpdates(manager);
          const row = { updated: after.updated - before.updated, inPlace: after.inPlace - before.inPlace };
          throw Object.assign(new Error('roll back'), { row });
        })
        .catch((error: { row?: unknown }) => error.row);
      expect(updates).toEqual({ updated: 1, inPlace: 1 });
    });

    it('finds the same patient again by email (any case) and date of birth, keeping their record as it is', async () => {
      const [a, b] = [
        await newSlot(t.dataSource, { capacity: 3 }),
        await newSlot(t.dataSource, { capacity: 3 }),
      ];
      const patient = { email: 'Same.Person@example.nl', dateOfBirth: '1975-01-02', firstName: 'Piet' };
      expect((await book(bookingBody(a.id, patient))).status).toBe(201);
      const twice = await book(bookingBody(a.id, { ...patient, email: 'SAME.PERSON@EXAMPLE.NL' }));
      expect(expectProblem(twice, 409).type).toMatch(/already-booked$/);
      const other = await book(
        bookingBody(b.id, { ...patient, firstName: 'Pieter', phone: '+31 20 123 4567' }),
      );
      expect(other.status).toBe(201);
      const rows = await t.dataSource.query(
        `SELECT first_name, phone FROM patient WHERE email = 'same.person@example.nl'`,
      );
      expect(rows).toEqual([{ first_name: 'Piet', phone: '+31612345678' }]);
      const [kept] = await t.dataSource.query(`SELECT first_name, phone FROM booking WHERE id = $1`, [
        other.json.id,
      ]);
      expect(kept).toEqual({ first_name: 'Pieter', phone: '+31201234567' });
      expect(await counts(a.id)).toEqual({ bookedCount: 1, booked: 1 });
    });

    it('never lets a booking overwrite someone else’s record: staff see the record, and the booking flagged', async () => {
      const [mine, theirs] = [await newSlot(t.dataSource), await newSlot(t.dataSource)];
      const victim = {
        email: 'victim@example.nl',
        dateOfBirth: '1961-06-15',
        firstName: 'Vera',
        lastName: 'Smit',
      };
      const own = await book(bookingBody(mine.id, { ...victim, phone: '06 1111 2222' }));
      expect(own.status).toBe(201);
      // Someone who knows her email and date of birth books in her name, with his own details.
      const intruder = await book(
        bookingBody(theirs.id, { ...victim, firstName: 'Mallory', lastName: 'Evil', phone: '06 4321 8765' }),
      );
      expect(intruder.status).toBe(201);
      // Her booking still shows her, to her and to staff.
      const seen = await t.http.get(`/api/v1/bookings/${own.json.reference}`, {
        headers: { 'x-booking-token': own.json.manageToken },
      });
      expect(seen.json.patient).toMatchObject({ firstName: 'Vera', lastName: 'Smit' });
      const { token } = await signedInStaff(t);
      const listed = await t.http.get(`/api/v1/admin/bookings?q=victim@example.nl&sort=createdAt`, { token });
      const [first, second] = listed.json.data;
      expect(first.patient).toMatchObject({ firstName: 'Vera', lastName: 'Smit', phone: '+31611112222' });
      expect(first.submittedDetails).toBeNull();
      expect(second.patient).toMatchObject({ firstName: 'Vera', lastName: 'Smit', phone: '+31611112222' });
      expect(second.submittedDetails).toEqual({
        firstName: 'Mallory',
        lastName: 'Evil',
        phone: '+31643218765',
      });
      // The emails to her address greet her by her record's name.
      const [email] = await t.dataSource.query(
        `SELECT payload FROM notification WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
        [intruder.json.id],
      );
      expect(email.payload).toMatchObject({ firstName: 'Vera', lastName: 'Smit' });
    });

    describe('fair use: MAX_ACTIVE_BOOKINGS_PER_PATIENT (2) upcoming bookings per person online', () => {
      const person = (n: number, email: string) => ({
        email,
        dateOfBirth: `1970-01-${String(n).padStart(2, '0')}`,
      });

      it('refuses a third upcoming booking, counting +tag and dotted Gmail aliases as one, until one is cancelled', async () => {
        const slots = await Promise.all([1, 2, 3, 4].map(() => newSlot(t.dataSource)));
        const first = await book(bookingBody(slots[0].id, person(11, 'f.a.i.r+one@gmail.com')));
        expect(first.status).toBe(201);
        expect((await book(bookingBody(slots[1].id, person(11, 'fair+two@gmail.com')))).status).toBe(201);
        const third = await book(bookingBody(slots[2].id, person(11, 'Fair@GoogleMail.com')));
        expect(expectProblem(third, 409).type).toMatch(/booking-limit$/);
        expect(await counts(slots[2].id)).toEqual({ bookedCount: 0, booked: 0 });
        // Another person (another date of birth) is not limited by hers.
        expect((await book(bookingBody(slots[3].id, person(12, 'fair@gmail.com')))).status).toBe(201);
        // Once she cancels one, she may book again.
        const cancel = await t.http.post(
          `/api/v1/bookings/${first.json.reference}/cancel`,
          {},
          {
            headers: { 'x-booking-token': first.json.manageToken },
          },
        );
        expect(cancel.status).toBe(200);
        expect((await book(bookingBody(slots[2].id, person(11, 'fair+three@gmail.com')))).status).toBe(201);
      });

      it('lets exactly two of ten bookings at the same moment through for one person', async () => {
        const slots = await Promise.all(Array.from({ length: 10 }, () => newSlot(t.dataSource)));
        const responses = await Promise.all(
          slots.map((slot, i) => book(bookingBody(slot.id, person(13, `rush+${i}@example.nl`)))),
        );
        const statuses = responses.map((r) => r.status).sort();
        expect(statuses).toEqual([201, 201, ...Array(8).fill(409)]);
        const [{ n }] = await t.dataSource.query(
          `SELECT coalesce(sum(booked_count), 0)::int AS n FROM slot WHERE id = ANY($1)`,
          [slots.map((s) => s.id)],
        );
        expect(n).toBe(2);
      });

      it('does not count an attempt that found no place', async () => {
        const [open, full, other] = [
          await newSlot(t.dataSource),
          await newSlot(t.dataSource, { capacity: 1, bookedCount: 1 }),
          await newSlot(t.dataSource),
        ];
        expect((await book(bookingBody(open.id, person(14, 'unlucky@example.nl')))).status).toBe(201);
        expect(
          expectProblem(await book(bookingBody(full.id, person(14, 'unlucky@example.nl'))), 409).type,
        ).toMatch(/slot-full$/);
        expect((await book(bookingBody(other.id, person(14, 'unlucky@example.nl')))).status).toBe(201);
      });
    });

    it('does not duplicate a patient who books twice at the same moment', async () => {
      const slots = [
        await newSlot(t.dataSource, { capacity: 2 }),
        await newSlot(t.dataSource, { capacity: 2 }),
      ];
      const patient = { email: 'twin.click@example.nl', dateOfBirth: '1990-09-09' };
      const responses = await Promise.all(slots.map((s) => book(bookingBody(s.id, patient))));
      expect(responses.map((r) => r.status)).toEqual([201, 201]);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM patient WHERE email = 'twin.click@example.nl'`,
      );
      expect(n).toBe(1);
    });

    it('takes the language from Accept-Language unless locale is given', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 3 });
      const dutch = await book(bookingBody(slot.id), { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.8' });
      const english = await book(bookingBody(slot.id, {}, { locale: 'en' }), { 'accept-language': 'nl' });
      const locales = await t.dataSource.query(
        `SELECT p.locale FROM booking b JOIN patient p ON p.id = b.patient_id WHERE b.id = ANY($1) ORDER BY b.created_at`,
        [[dutch.json.id, english.json.id]],
      );
      expect(locales.map((r: { locale: string }) => r.locale)).toEqual(['nl', 'en']);
    });

    it.each([
      ['full', { capacity: 1, bookedCount: 1 }, 409, /slot-full$/, /fully booked/],
      ['closed', { status: 'closed' as const }, 409, /slot-closed$/, /closed/],
      ['cancelled', { status: 'cancelled' as const }, 409, /slot-cancelled$/, /cancelled/],
      ['past', { startsAt: daysFromNow(-1) }, 409, /slot-past$/, /already started/],
      [
        'too soon',
        { startsAt: new Date(Math.ceil((Date.now() + 30 * 60_000) / 60_000) * 60_000) },
        409,
        /slot-too-soon$/,
        /too soon/,
      ],
    ])('refuses a %s slot with %s, changing nothing', async (_label, slot, status, type, detail) => {
      const { id } = await newSlot(t.dataSource, slot);
      const before = await tableCounts();
      // The first attempt is refused by the transaction; the next, for a slot refused a moment
      // ago, by a read of the slot first. Both say the same.
      for (const attempt of [1, 2]) {
        const problem = expectProblem(await book(bookingBody(id)), status);
        expect({ attempt, type: problem.type, detail: problem.detail }).toEqual({
          attempt,
          type: expect.stringMatching(type),
          detail: expect.stringMatching(detail),
        });
      }
      expect(await tableCounts()).toEqual(before);
    });

    it('books a slot refused a moment ago as soon as a place is free again', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 1, bookedCount: 1 });
      expectProblem(await book(bookingBody(slot.id)), 409);
      await t.dataSource.query(`UPDATE slot SET capacity = 2 WHERE id = $1`, [slot.id]);
      expect((await book(bookingBody(slot.id))).status).toBe(201);
    });

    it('answers 404 for an unknown slot, again and again', async () => {
      for (const _attempt of [1, 2])
        expectProblem(await book(bookingBody('4a0e2b1c-0000-4000-8000-000000000000')), 404);
    });

    describe('validation', () => {
      let slotId: string;
      beforeAll(async () => {
        slotId = (await newSlot(t.dataSource, { capacity: 50 })).id;
      });
      const cases: [string, (body: ReturnType<typeof bookingBody>) => unknown, string][] = [
        ['no slotId', ({ slotId: _s, ...rest }) => rest, 'slotId'],
        ['slotId not a UUID', (b) => ({ ...b, slotId: 'slot-1' }), 'slotId'],
        ['no patient', ({ patient: _p, ...rest }) => rest, 'patient'],
        ['patient not an object', (b) => ({ ...b, patient: 'Anna' }), 'patient'],
        [
          'empty first name',
          (b) => ({ ...b, patient: { ...b.patient, firstName: '   ' } }),
          'patient.firstName',
        ],
        [
          'first name of 101 characters',
          (b) => ({ ...b, patient: { ...b.patient, firstName: 'a'.repeat(101) } }),
          'patient.firstName',
        ],
        [
          'last name a number',
          (b) => ({ ...b, patient: { ...b.patient, lastName: 42 } }),
          'patient.lastName',
        ],
        ['bad email', (b) => ({ ...b, patient: { ...b.patient, email: 'anna@' } }), 'patient.email'],
        [
          'phone that does not parse',
          (b) => ({ ...b, patient: { ...b.patient, phone: '12' } }),
          'patient.phone',
        ],
        ['phone of letters', (b) => ({ ...b, patient: { ...b.patient, phone: 'call me' } }), 'patient.phone'],
        [
          'date of birth in the future',
          (b) => ({ ...b, patient: { ...b.patient, dateOfBirth: '2999-01-01' } }),
          'patient.dateOfBirth',
        ],
        [
          'date of birth before 1900',
          (b) => ({ ...b, patient: { ...b.patient, dateOfBirth: '1899-12-31' } }),
          'patient.dateOfBirth',
        ],
        [
          'date of birth not a date',
          (b) => ({ ...b, patient: { ...b.patient, dateOfBirth: '1980-02-30' } }),
          'patient.dateOfBirth',
        ],
        ['notes of 501 characters', (b) => ({ ...b, notes: 'x'.repeat(501) }), 'notes'],
        ['locale de', (b) => ({ ...b, locale: 'de' }), 'locale'],
        ['unknown field', (b) => ({ ...b, insurance: 'AB123' }), 'insurance'],
        ['no consent', ({ consent: _consent, ...b }) => b, 'consent'],
        ['consent false', (b) => ({ ...b, consent: false }), 'consent'],
        ['consent "yes"', (b) => ({ ...b, consent: 'yes' }), 'consent'],
        [
          'unknown patient field',
          (b) => ({ ...b, patient: { ...b.patient, bsn: '123456782' } }),
          'patient.bsn',
        ],
      ];
      it.each(cases)(
        'refuses %s with a 400 naming the field, changing nothing',
        async (_label, change, field) => {
          const before = await tableCounts();
          const problem = expectProblem(await book(change(bookingBody(slotId))), 400);
          expect(problem.errors!.map((e) => e.field)).toContain(field);
          expect(await tableCounts()).toEqual(before);
        },
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a replay with the first answer, without a second booking', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 5 });
      const body = bookingBody(slot.id);
      const first = await book(body, { 'idempotency-key': 'retry-1' });
      const replay = await book(body, { 'idempotency-key': 'retry-1' });
      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(replay.json).toEqual(first.json);
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });
      const [stored] = await t.dataSource.query(`SELECT response FROM idempotency_key WHERE key = 'retry-1'`);
      expect(stored.response).not.toContain(first.json.manageToken);
      expect(stored.response).not.toContain(body.patient.email);
    });

    it('refuses the same key with another body (422)', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 5 });
      expect((await book(bookingBody(slot.id), { 'idempotency-key': 'retry-2' })).status).toBe(201);
      expectProblem(await book(bookingBody(slot.id), { 'idempotency-key': 'retry-2' }), 422);
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });
    });

    it('makes one booking from 20 concurrent requests with one key; every answer is that one or 409', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 10 });
      const body = bookingBody(slot.id);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => book(body, { 'idempotency-key': 'burst-1' })),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const r of created) expect(r.json).toEqual(created[0].json);
      for (const r of responses.filter((r) => r.status !== 201)) {
        expect(expectProblem(r, 409).type).toMatch(/idempotency-key-in-flight$/);
      }
      expect(await counts(slot.id)).toEqual({ bookedCount: 1, booked: 1 });
    });

    it('keeps no answer for a failed request, so a retry runs afresh', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 1, status: 'closed' });
      const body = bookingBody(slot.id);
      expectProblem(await book(body, { 'idempotency-key': 'closed-then-open' }), 409);
      await t.dataSource.query(`UPDATE slot SET status = 'open' WHERE id = $1`, [slot.id]);
      expect((await book(body, { 'idempotency-key': 'closed-then-open' })).status).toBe(201);
    });

    it('forgets answers after 24 hours: the key then starts afresh, and the purge removes old rows', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 5 });
      expect((await book(bookingBody(slot.id), { 'idempotency-key': 'old-key' })).status).toBe(201);
      await t.dataSource.query(
        `UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`,
      );
      expect((await book(bookingBody(slot.id), { 'idempotency-key': 'old-key' })).status).toBe(201);
      expect(await counts(slot.id)).toEqual({ bookedCount: 2, booked: 2 });
      await t.dataSource.query(
        `UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`,
      );
      expect(await t.app.get(IdempotencyService).purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await t.dataSource.query(`SELECT key FROM idempotency_key WHERE key = 'old-key'`)).toEqual([]);
    });

    it('takes over a key whose first request died mid-way (in flight for over two minutes)', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 5 });
      const body = bookingBody(slot.id);
      const hash = t.app.get(IdempotencyService).hashRequest(body);
      await t.dataSource.query(
        `INSERT INTO idempotency_key (key, request_hash, created_at) VALUES ('orphan', $1, now() - interval '3 minutes')`,
        [hash],
      );
      expect((await book(body, { 'idempotency-key': 'orphan' })).status).toBe(201);
    });

    it('refuses a key over 255 characters', async () => {
      const slot = await newSlot(t.dataSource);
      const problem = expectProblem(
        await book(bookingBody(slot.id), { 'idempotency-key': 'k'.repeat(256) }),
        400,
      );
      expect(problem.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    });
  });

  describe('managing a booking with its reference and token', () => {
    const bookOne = async (slot?: { capacity?: number; startsAt?: Date }) => {
      const { id } = await newSlot(t.dataSource, { capacity: 3, ...slot });
      const response = await book(bookingBody(id));
      expect(response.status).toBe(201);
      return {
        slotId: id,
        reference: response.json.reference as string,
        token: response.json.manageToken as string,
        id: response.json.id,
      };
    };
    const manage = (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) =>
      t.http.request(method, `/api/v1/bookings/${path}`, body, {
        headers: token === undefined ? {} : { 'x-booking-token': token },
      });

    it('shows the booking to the holder of the token, and only to them', async () => {
      const mine = await bookOne();
      const other = await bookOne();
      const view = await manage('GET', mine.reference, mine.token);
      expect(view.status).toBe(200);
      expect(view.json).toMatchObject({
        id: mine.id,
        reference: mine.reference,
        status: 'booked',
        slot: { id: mine.slotId },
      });
      expect(view.json).not.toHaveProperty('manageToken');
      expect(view.text).not.toContain(createHash('sha256').update(mine.token).digest('hex'));
      expect((await manage('GET', mine.reference.toLowerCase(), mine.token)).status).toBe(200);

      const misses: HttpResponse[] = [
        await manage('GET', mine.reference, 'wrong-token'),
        await manage('GET', mine.reference),
        await manage('GET', mine.reference, other.token),
        await manage('GET', 'B12-ZZZZZZ', mine.token),
        await manage('GET', 'not-a-reference', mine.token),
        await manage('GET', mine.id, mine.token),
      ];
      const problems = misses.map((r) => expectProblem(r, 404));
      for (const problem of problems) expect(problem).toEqual(problems[0]);
    });

    it('cancels once, freeing the place; a second cancel is 409', async () => {
      const mine = await bookOne();
      const cancelled = await manage('POST', `${mine.reference}/cancel`, mine.token, {
        reason: 'feeling better',
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.status).toBe('cancelled');
      expect(await counts(mine.slotId)).toEqual({ bookedCount: 0, booked: 0 });
      const [row] = await t.dataSource.query(
        `SELECT cancelled_by, cancel_reason, cancelled_at FROM booking WHERE id = $1`,
        [mine.id],
      );
      expect(row).toMatchObject({
        cancelled_by: 'patient',
        cancel_reason: 'feeling better',
        cancelled_at: expect.any(Date),
      });
      expect(expectProblem(await manage('POST', `${mine.reference}/cancel`, mine.token), 409).detail).toMatch(
        /cancelled/,
      );
      expectProblem(await manage('POST', `${mine.reference}/cancel`, 'wrong'), 404);
    });

    it('refuses to cancel or reschedule within the deadline ("call the clinic")', async () => {
      const soon = await bookOne({
        startsAt: new Date(Math.ceil((Date.now() + 5 * 3600_000) / 60_000) * 60_000),
      });
      const elsewhere = await newSlot(t.dataSource);
      const cancel = expectProblem(await manage('POST', `${soon.reference}/cancel`, soon.token), 409);
      expect(cancel.detail).toMatch(/24 hours.*call the clinic/i);
      expectProblem(
        await manage('POST', `${soon.reference}/reschedule`, soon.token, { slotId: elsewhere.id }),
        409,
      );
      expect(await counts(soon.slotId)).toEqual({ bookedCount: 1, booked: 1 });
    });

    it('reschedules: takes the new place, frees the old, keeps reference and token', async () => {
      const mine = await bookOne();
      const next = await newSlot(t.dataSource, { capacity: 1 });
      const moved = await manage('POST', `${mine.reference}/reschedule`, mine.token, { slotId: next.id });
      expect(moved.status).toBe(200);
      expect(moved.json).toMatchObject({
        reference: mine.reference,
        status: 'booked',
        slot: { id: next.id, startsAt: next.startsAt.toISOString() },
      });
      expect(await counts(mine.slotId)).toEqual({ bookedCount: 0, booked: 0 });
      expect(await counts(next.id)).toEqual({ bookedCount: 1, booked: 1 });
      expect((await manage('GET', mine.reference, mine.token)).json.slot.id).toBe(next.id);
    });

    it('changes nothing when the new slot cannot be had', async () => {
      const mine = await bookOne();
      const full = await newSlot(t.dataSource, { capacity: 1, bookedCount: 1 });
      const problem = expectProblem(
        await manage('POST', `${mine.reference}/reschedule`, mine.token, { slotId: full.id }),
        409,
      );
      expect(problem.type).toMatch(/slot-full$/);
      expectProblem(
        await manage('POST', `${mine.reference}/reschedule`, mine.token, { slotId: mine.slotId }),
        409,
      );
      expectProblem(
        await manage('POST', `${mine.reference}/reschedule`, mine.token, {
          slotId: '4a0e2b1c-0000-4000-8000-000000000000',
        }),
        404,
      );
      expectProblem(await manage('POST', `${mine.reference}/reschedule`, mine.token, { slotId: 'x' }), 400);
      expect(await counts(mine.slotId)).toEqual({ bookedCount: 1, booked: 1 });
      expect(await counts(full.id)).toEqual({ bookedCount: 1, booked: 0 });
    });

    it('keeps counts exact under concurrent cancels and reschedules of one booking', async () => {
      const mine = await bookOne();
      const targets = [
        await newSlot(t.dataSource, { capacity: 2 }),
        await newSlot(t.dataSource, { capacity: 2 }),
      ];
      const responses = await Promise.all([
        ...Array.from({ length: 5 }, () => manage('POST', `${mine.reference}/cancel`, mine.token)),
        ...targets.flatMap((target) =>
          Array.from({ length: 3 }, () =>
            manage('POST', `${mine.reference}/reschedule`, mine.token, { slotId: target.id }),
          ),
        ),
      ]);
      for (const r of responses) expect([200, 409]).toContain(r.status);
      const all = [mine.slotId, ...targets.map((s) => s.id)];
      let total = 0;
      for (const id of all) {
        const c = await counts(id);
        expect(c.bookedCount).toBe(c.booked);
        total += c.bookedCount;
      }
      const [{ status }] = await t.dataSource.query(`SELECT status FROM booking WHERE id = $1`, [mine.id]);
      expect(total).toBe(status === 'booked' ? 1 : 0);
    });
  });
});

describe('rate limiting of public endpoints', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE per address; staff endpoints are not limited', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await t.http.get('/api/v1/slots')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await t.http.get('/api/v1/bookings/B12-AAAAAA', {
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      expectProblem(limited, 429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expectProblem(await t.http.get('/api/v1/admin/slots'), 401);
    } finally {
      await t.close();
    }
  });
});
