import type { ParsedMail } from 'mailparser';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, daysFromNow, newSlot } from './support/factories';
import { expectProblem } from './support/http';
import { eventually, inviteOf, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const DESK = 'desk@clinic.test';
const PHONE = '+31 20 123 4567';
const ADDRESS = 'Goudstraat 1, 1234 AB Gouda';

/** The local date (Amsterdam) of a slot made by daysFromNow(d) at its default 09:00 UTC. */
const localDate = (days: number) => daysFromNow(days, 0).toISOString().slice(0, 10);
const tokenIn = (mail: ParsedMail) => /#token=([\w-]+)/.exec(mail.text ?? '')![1];

describe('the front desk’s day: phone bookings, moves, closures, the day sheet, its emails', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let token: string;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      BOOKING_MIN_NOTICE_MINUTES: '60',
      CANCELLATION_DEADLINE_HOURS: '24',
      BOOKING_HORIZON_DAYS: '90',
      FRONT_DESK_EMAIL: DESK,
      CLINIC_PHONE: PHONE,
      CLINIC_ADDRESS: ADDRESS,
    });
    token = (await signedInStaff(t, 'receptionist')).token;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  // Staff book on the phone: no consent field (the patient's online consent).
  const staffBook = ({ consent: _consent, ...body }: Record<string, unknown>) =>
    t.http.post('/api/v1/admin/bookings', body, { token });
  const onlineBook = (slotId: string, patient: Record<string, unknown> = {}) =>
    t.http.post('/api/v1/bookings', bookingBody(slotId, patient));
  const bookingRow = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT b.status, b.source, b.slot_id AS "slotId", b.patient_id AS "patientId", s.booked_count AS "bookedCount"
         FROM booking b JOIN slot s ON s.id = b.slot_id WHERE b.id = $1`,
        [id],
      )
    )[0];
  const soon = (minutes: number) => new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  const emailsOf = async (bookingId: string, kind: string) =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notification WHERE booking_id = $1 AND kind = $2`,
        [bookingId, kind],
      )
    )[0].n as number;

  describe('POST /api/v1/admin/bookings', () => {
    it('books a new patient on the phone inside the minimum notice, as source staff, with a working manage link', async () => {
      const slot = await newSlot(t.dataSource, { startsAt: soon(20), capacity: 2 });
      // Online, this slot starts too soon.
      const online = expectProblem(await onlineBook(slot.id), 409);
      expect(online.type).toMatch(/slot-too-soon$/);
      expect(online.detail).toContain(PHONE);

      const email = `phone.${Date.now()}@example.nl`;
      const response = await staffBook({
        ...bookingBody(slot.id, { email, firstName: 'Piet', lastName: 'Bakker' }),
        notes: 'Uses a wheelchair',
        locale: 'nl',
      });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({
        status: 'booked',
        source: 'staff',
        notes: 'Uses a wheelchair',
        slot: { id: slot.id },
        patient: { firstName: 'Piet', lastName: 'Bakker', email },
      });
      expect(response.json.manageToken).toBeUndefined();
      expect(response.json.consentAt).toBeNull();
      const [mail] = await smtp.waitFor(1, to(email));
      expect(mail.text).toContain('Piet Bakker');
      const view = await t.http.get(`/api/v1/bookings/${response.json.reference}`, {
        headers: { 'x-booking-token': tokenIn(mail) },
      });
      expect(view.status).toBe(200);
      // Staff's own bookings send no front-desk notice; the listing shows the source.
      expect(await emailsOf(response.json.id, 'staff_new_booking')).toBe(0);
      const listed = await t.http.get(`/api/v1/admin/bookings?slotId=${slot.id}`, { token });
      expect(listed.json.data.map((b: { source: string }) => b.source)).toEqual(['staff']);
      const csv = await t.http.get(`/api/v1/admin/bookings?slotId=${slot.id}&format=csv`, { token });
      expect(csv.text.split('\r\n')[1]).toMatch(/^B12-\w+,booked,staff,/);
      const [audit] = await t.dataSource.query(
        `SELECT action FROM audit_event WHERE record_id = $1 AND action = 'booking.create'`,
        [response.json.id],
      );
      expect(audit).toBeDefined();
    });

    it('books a known patient by id, beyond the horizon, and without email when notify is false', async () => {
      const first = await newSlot(t.dataSource, { startsAt: daysFromNow(5), capacity: 1 });
      const online = await onlineBook(first.id, { email: 'known@example.nl' });
      expect(online.status).toBe(201);
      const { patientId } = await bookingRow(online.json.id);
      const far = await newSlot(t.dataSource, { startsAt: daysFromNow(120), capacity: 1 });
      const tooFar = expectProblem(await onlineBook(far.id), 409);
      expect(tooFar.type).toMatch(/slot-too-far$/);
      expect(tooFar.detail).toMatch(/90 days/);
      const publicList = await t.http.get(
        `/api/v1/slots?from=${daysFromNow(119, 0).toISOString()}&to=${daysFromNow(121, 0).toISOString()}`,
      );
      expect(publicList.json.data).toEqual([]);

      const response = await staffBook({ slotId: far.id, patientId, notify: false });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({
        source: 'staff',
        patient: { id: patientId, email: 'known@example.nl' },
      });
      expect(
        (
          await t.dataSource.query(`SELECT count(*)::int AS n FROM notification WHERE booking_id = $1`, [
            response.json.id,
          ])
        )[0].n,
      ).toBe(0);
    });

    it('refuses what it should, naming the cause, and changes nothing', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 1 });
      const count = async () =>
        (await t.dataSource.query(`SELECT count(*)::int AS n FROM booking WHERE slot_id = $1`, [slot.id]))[0]
          .n;
      const both = expectProblem(
        await staffBook({ ...bookingBody(slot.id), patientId: '4a0e2b1c-0000-4000-8000-000000000000' }),
        400,
      );
      expect(both.errors).toEqual([{ field: 'patientId', message: expect.any(String) }]);
      const neither = expectProblem(await staffBook({ slotId: slot.id }), 400);
      expect(neither.errors).toEqual([{ field: 'patient', message: expect.any(String) }]);
      expectProblem(
        await staffBook({ slotId: slot.id, patientId: '4a0e2b1c-0000-4000-8000-000000000000' }),
        404,
      );
      const bad = expectProblem(await staffBook({ ...bookingBody(slot.id), notify: 'yes' }), 400);
      expect(bad.errors).toEqual([{ field: 'notify', message: 'must be true or false' }]);
      expectProblem(await staffBook({ ...bookingBody(slot.id), extra: 1 }), 400);
      expect(await count()).toBe(0);

      const started = await newSlot(t.dataSource, { startsAt: soon(-10), minutes: 5, capacity: 1 });
      expect(expectProblem(await staffBook(bookingBody(started.id)), 409).type).toMatch(/slot-past$/);
      expect((await staffBook(bookingBody(slot.id))).status).toBe(201);
      expect(expectProblem(await staffBook(bookingBody(slot.id)), 409).type).toMatch(/slot-full$/);
      expect(await count()).toBe(1);
      expectProblem(await t.http.post('/api/v1/admin/bookings', bookingBody(slot.id)), 401);
    });

    it('gives the last place to exactly one of a staff booking and 20 online ones racing for it', async () => {
      const slot = await newSlot(t.dataSource, { startsAt: daysFromNow(30), capacity: 1 });
      const responses = await Promise.all([
        staffBook(bookingBody(slot.id)),
        ...Array.from({ length: 20 }, () => onlineBook(slot.id)),
      ]);
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(responses.filter((r) => r.status === 409)).toHaveLength(20);
      const [row] = await t.dataSource.query(
        `SELECT booked_count AS n, (SELECT count(*)::int FROM booking WHERE slot_id = $1 AND status = 'booked') AS booked
         FROM slot WHERE id = $1`,
        [slot.id],
      );
      expect(row).toEqual({ n: 1, booked: 1 });
    });
  });

  describe('POST /api/v1/admin/bookings/:id/reschedule', () => {
    it('moves a booking inside the patient’s deadline; the patient gets the new time, same UID, higher SEQUENCE, a new link', async () => {
      const from = await newSlot(t.dataSource, { startsAt: soon(180), capacity: 1 });
      const into = await newSlot(t.dataSource, { startsAt: soon(300), capacity: 1 });
      const email = `moved.by.desk.${Date.now()}@example.nl`;
      const booked = await staffBook(bookingBody(from.id, { email }));
      const [confirmation] = await smtp.waitFor(1, to(email));
      const oldToken = tokenIn(confirmation);
      // The patient is past the deadline online.
      const late = await t.http.post(
        `/api/v1/bookings/${booked.json.reference}/reschedule`,
        { slotId: into.id },
        { headers: { 'x-booking-token': oldToken } },
      );
      expect(expectProblem(late, 409).detail).toContain(PHONE);

      const moved = await t.http.post(
        `/api/v1/admin/bookings/${booked.json.id}/reschedule`,
        { slotId: into.id },
        { token },
      );
      expect(moved.status).toBe(200);
      expect(moved.json.slot.id).toBe(into.id);
      expect(await bookingRow(booked.json.id)).toMatchObject({ slotId: into.id, bookedCount: 1 });
      expect((await t.dataSource.query(`SELECT booked_count FROM slot WHERE id = $1`, [from.id]))[0]).toEqual(
        {
          booked_count: 0,
        },
      );
      const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/verzet/)(m));
      expect(inviteOf(mail)).toMatchObject({
        uid: `${booked.json.id}@clinic-booking`,
        sequence: 1,
        start: into.startsAt.toISOString(),
      });
      const view = (manage: string) =>
        t.http.get(`/api/v1/bookings/${booked.json.reference}`, { headers: { 'x-booking-token': manage } });
      expect((await view(tokenIn(mail))).status).toBe(200);
      expectProblem(await view(oldToken), 404);
    });

    it('refuses the same slot, a full one and an unknown booking, changing nothing; notify false sends nothing', async () => {
      const a = await newSlot(t.dataSource, { capacity: 1 });
      const full = await newSlot(t.dataSource, { capacity: 1 });
      const free = await newSlot(t.dataSource, { capacity: 1 });
      const booking = (await staffBook({ ...bookingBody(a.id), notify: false })).json;
      await staffBook({ ...bookingBody(full.id), notify: false });
      const move = (id: string, body: unknown) =>
        t.http.post(`/api/v1/admin/bookings/${id}/reschedule`, body, { token });
      expect(expectProblem(await move(booking.id, { slotId: a.id }), 409).type).toMatch(/same-slot$/);
      expect(expectProblem(await move(booking.id, { slotId: full.id }), 409).type).toMatch(/slot-full$/);
      expectProblem(await move('4a0e2b1c-0000-4000-8000-000000000000', { slotId: free.id }), 404);
      expectProblem(await move(booking.id, { slotId: 'x' }), 400);
      expect(await bookingRow(booking.id)).toMatchObject({ slotId: a.id, bookedCount: 1 });
      expect((await move(booking.id, { slotId: free.id, notify: false })).status).toBe(200);
      expect(await emailsOf(booking.id, 'booking_rescheduled')).toBe(0);
    });
  });

  describe('closures', () => {
    const close = (body: Record<string, unknown>) => t.http.post('/api/v1/admin/closures', body, { token });

    it('closes a day’s slots to new bookings (bookings stay), keeps rotas and new slots off it, until removed', async () => {
      const day = localDate(40);
      const morning = await newSlot(t.dataSource, { startsAt: daysFromNow(40, 8 * 60), capacity: 2 });
      const noon = await newSlot(t.dataSource, { startsAt: daysFromNow(40, 11 * 60), capacity: 2 });
      const kept = await onlineBook(morning.id);
      const response = await close({ from: day, to: day, reason: 'Training day', cancelBookings: false });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({
        from: day,
        to: day,
        reason: 'Training day',
        cancelBookings: false,
        closedSlots: 2,
        cancelledSlots: 0,
        cancelledBookings: 0,
      });
      expect(expectProblem(await onlineBook(noon.id), 409).type).toMatch(/slot-closed$/);
      expect((await bookingRow(kept.json.id)).status).toBe('booked');
      const overlap = expectProblem(
        await close({ from: localDate(39), to: day, reason: 'x', cancelBookings: true }),
        409,
      );
      expect(overlap.detail).toContain(day);
      // A rota over the closed day skips it; a slot on it is refused.
      const rota = {
        from: day,
        to: localDate(41),
        weekdays: [1, 2, 3, 4, 5, 6, 7],
        dayStart: '15:00',
        dayEnd: '16:00',
        slotMinutes: 30,
        capacity: 1,
      };
      const rotaResponse = await t.http.post('/api/v1/admin/slots/bulk', rota, { token });
      expect(rotaResponse.json).toMatchObject({ created: 2, skippedClosed: 2 });
      const single = await t.http.post(
        '/api/v1/admin/slots',
        {
          startsAt: daysFromNow(40, 14 * 60).toISOString(),
          endsAt: daysFromNow(40, 14 * 60 + 30).toISOString(),
          capacity: 1,
        },
        { token },
      );
      expect(expectProblem(single, 409).type).toMatch(/clinic-closed$/);

      const listed = await t.http.get('/api/v1/admin/closures', { token });
      expect(listed.json).toMatchObject({ total: 1, data: [{ id: response.json.id, from: day }] });
      const removed = await t.http.delete(`/api/v1/admin/closures/${response.json.id}`, { token });
      expect(removed.status).toBe(200);
      expectProblem(await t.http.delete(`/api/v1/admin/closures/${response.json.id}`, { token }), 404);
      // Nothing reopens by itself; a rota may now fill the day.
      expect((await t.dataSource.query(`SELECT status FROM slot WHERE id = $1`, [noon.id]))[0].status).toBe(
        'closed',
      );
      expect((await t.http.post('/api/v1/admin/slots/bulk', rota, { token })).json).toMatchObject({
        created: 2,
        skippedClosed: 0,
      });
    });

    it('refuses bad closures naming the field, and changes nothing', async () => {
      const before = (await t.dataSource.query(`SELECT count(*)::int AS n FROM closure`))[0].n;
      const backwards = expectProblem(
        await close({ from: localDate(60), to: localDate(59), reason: 'x', cancelBookings: false }),
        400,
      );
      expect(backwards.errors).toEqual([{ field: 'to', message: expect.any(String) }]);
      const missing = expectProblem(await close({ from: localDate(60), to: localDate(60) }), 400);
      expect(missing.errors!.map((e) => e.field).sort()).toEqual(['cancelBookings', 'reason']);
      expectProblem(
        await close({ from: '2027-02-30', to: '2027-03-01', reason: 'x', cancelBookings: true }),
        400,
      );
      expectProblem(await t.http.post('/api/v1/admin/closures', {}), 401);
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM closure`))[0].n).toBe(before);
    });

    it('racing with 20 bookings on that day: no booking is left booked, each cancelled patient emailed once', async () => {
      const day = localDate(50);
      const slots = await Promise.all(
        [8, 9, 10, 11].map((h) => newSlot(t.dataSource, { startsAt: daysFromNow(50, h * 60), capacity: 6 })),
      );
      const early = await onlineBook(slots[0].id);
      const [closure, ...bookings] = await Promise.all([
        new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
          close({ from: day, to: day, reason: 'The nurse is ill', cancelBookings: true }),
        ),
        ...Array.from({ length: 20 }, (_, i) => onlineBook(slots[i % 4].id)),
      ]);
      expect(closure.status).toBe(201);
      const landed = [early, ...bookings].filter((b) => b.status === 201);
      for (const refused of bookings.filter((b) => b.status !== 201)) {
        expect(refused.json.type).toMatch(/slot-(cancelled|closed)$/);
      }
      expect(closure.json.cancelledBookings).toBe(landed.length);
      expect(closure.json.cancelledSlots).toBe(4);
      const [{ booked }] = await t.dataSource.query(
        `SELECT count(*)::int AS booked FROM booking b JOIN slot s ON s.id = b.slot_id
         WHERE (s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date = $1 AND b.status = 'booked'`,
        [day],
      );
      expect(booked).toBe(0);
      for (const b of landed) expect(await emailsOf(b.json.id, 'slot_cancelled')).toBe(1);
      const addresses = landed.map((b) => b.json.patient.email as string);
      const mails = await smtp.waitFor(
        landed.length,
        (m) => addresses.some((a) => to(a)(m)) && subject(/cancel/)(m),
      );
      expect(mails[0].text).toContain('The nurse is ill');
    });
  });

  describe('GET /api/v1/admin/day', () => {
    it('lists the day’s slots in order with their bookings and the patients’ details', async () => {
      const day = localDate(70);
      const late = await newSlot(t.dataSource, { startsAt: daysFromNow(70, 13 * 60), capacity: 3 });
      const early = await newSlot(t.dataSource, { startsAt: daysFromNow(70, 7 * 60), capacity: 3 });
      await newSlot(t.dataSource, { startsAt: daysFromNow(71, 7 * 60), capacity: 3 });
      const zwart = await staffBook({
        ...bookingBody(early.id, { lastName: 'Zwart', dateOfBirth: '1950-01-02', phone: '06 2345 6789' }),
        notes: 'Hard of hearing',
        notify: false,
      });
      const appel = await onlineBook(early.id, { lastName: 'Appel' });
      const gone = await onlineBook(late.id);
      await t.http.patch(`/api/v1/admin/bookings/${gone.json.id}`, { status: 'cancelled' }, { token });

      const sheet = await t.http.get(`/api/v1/admin/day?date=${day}`, { token });
      expect(sheet.status).toBe(200);
      expect(sheet.json).toMatchObject({ date: day, timeZone: 'Europe/Amsterdam', closure: null });
      expect(sheet.json.slots.map((s: { id: string }) => s.id)).toEqual([early.id, late.id]);
      expect(sheet.json.slots[0]).toMatchObject({ capacity: 3, bookedCount: 2, status: 'open' });
      expect(sheet.json.slots[0].bookings).toEqual([
        expect.objectContaining({ id: appel.json.id, source: 'online' }),
        {
          id: zwart.json.id,
          reference: zwart.json.reference,
          status: 'booked',
          source: 'staff',
          notes: 'Hard of hearing',
          patient: {
            id: expect.any(String),
            firstName: 'Anna',
            lastName: 'Zwart',
            phone: '+31623456789',
            dateOfBirth: '1950-01-02',
            email: expect.stringMatching(/@example\.nl$/),
          },
        },
      ]);
      expect(sheet.json.slots[1].bookings).toEqual([]);
      const bad = expectProblem(await t.http.get('/api/v1/admin/day?date=tomorrow', { token }), 400);
      expect(bad.errors).toEqual([{ field: 'date', message: expect.any(String) }]);
      expectProblem(await t.http.get(`/api/v1/admin/day?date=${day}`), 401);
    });
  });

  describe('emails the front desk and patients can act on', () => {
    it('carries the clinic’s phone and address in patient emails and the invite’s location', async () => {
      const slot = await newSlot(t.dataSource, { startsAt: daysFromNow(20), capacity: 1 });
      const email = `contact.${Date.now()}@example.nl`;
      expect((await onlineBook(slot.id, { email })).status).toBe(201);
      const [mail] = await smtp.waitFor(1, to(email));
      expect(mail.text).toContain(PHONE);
      expect(mail.text).toContain(ADDRESS);
      expect(mail.html).toContain(PHONE);
      expect(inviteOf(mail)!.location).toContain(ADDRESS);
    });

    it('tells the front desk, in Dutch, when a patient cancels or moves online', async () => {
      const a = await newSlot(t.dataSource, { startsAt: daysFromNow(21), capacity: 1 });
      const b = await newSlot(t.dataSource, { startsAt: daysFromNow(22), capacity: 1 });
      const moving = await onlineBook(a.id);
      const headers = { 'x-booking-token': moving.json.manageToken };
      const moved = await t.http.post(
        `/api/v1/bookings/${moving.json.reference}/reschedule`,
        { slotId: b.id },
        { headers },
      );
      expect(moved.status).toBe(200);
      const [movedNotice] = await smtp.waitFor(1, (m) => to(DESK)(m) && subject(/Verzet/)(m));
      expect(movedNotice.subject).toContain(moving.json.reference);
      const cancelled = await t.http.post(
        `/api/v1/bookings/${moving.json.reference}/cancel`,
        { reason: 'Feeling better' },
        { headers },
      );
      expect(cancelled.status).toBe(200);
      const [cancelNotice] = await smtp.waitFor(1, (m) => to(DESK)(m) && subject(/Geannuleerd/)(m));
      expect(cancelNotice.text).toContain('Feeling better');
      expect(cancelNotice.text).toContain(moving.json.reference);
      // Staff's own changes are not echoed back to the desk.
      await eventually(async () => expect(await emailsOf(moving.json.id, 'staff_booking_cancelled')).toBe(1));
    });
  });
});
