import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';
import { expectProblem } from './support/http';
import { eventually, inviteOf, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

describe('the front desk', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let token: string;
  let staffId: string;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      BOOKING_MIN_NOTICE_MINUTES: '0',
    });
    const staff = await signedInStaff(t, 'receptionist');
    token = staff.token;
    staffId = staff.staff.id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const book = async (slotId: string, patient: Record<string, unknown> = {}) => {
    const response = await t.http.post('/api/v1/bookings', bookingBody(slotId, patient));
    expect(response.status).toBe(201);
    return response.json as { id: string; reference: string; manageToken: string; createdAt: string };
  };
  const list = (query: string, headers: Record<string, string> = {}) =>
    t.http.get(`/api/v1/admin/bookings?${query}`, { token, headers });

  describe('GET /api/v1/admin/bookings', () => {
    let day: string;
    const ids: Record<string, string> = {};
    let muellerCreatedAt: string;
    beforeAll(async () => {
      // A day of its own, far ahead, with bookings to find.
      day = '2031-02-03';
      const at = (h: number) => new Date(`${day}T${String(h).padStart(2, '0')}:00:00Z`);
      const morning = await newSlot(t.dataSource, { startsAt: at(8), capacity: 5 });
      const noon = await newSlot(t.dataSource, { startsAt: at(12), capacity: 5 });
      const afternoon = await newSlot(t.dataSource, { startsAt: at(14), capacity: 5 });
      const mueller = await book(morning.id, {
        firstName: 'Jürgen',
        lastName: 'Müller',
        email: 'jm@example.de',
        phone: '06 1234 5678',
      });
      ids.mueller = mueller.id;
      muellerCreatedAt = mueller.createdAt;
      ids.zwart = (
        await book(noon.id, {
          firstName: 'Anouk',
          lastName: 'Zwart',
          email: 'anouk@example.nl',
          phone: '+31 20 555 0101',
        })
      ).id;
      ids.appel = (
        await book(afternoon.id, {
          firstName: 'Bram',
          lastName: 'Appel',
          email: 'bram.appel@example.nl',
          phone: '0201234567',
        })
      ).id;
      await t.http.patch(
        `/api/v1/admin/bookings/${ids.appel}`,
        { status: 'cancelled', reason: 'called in' },
        { token },
      );
    });
    const window = () => `from=${day}T00:00:00Z&to=${day}T23:59:59Z`;
    const names = (response: { json: { data: { patient: { lastName: string } }[] } }) =>
      response.json.data.map((b) => b.patient.lastName);

    it('lists a day by slot start with the patient’s details and a total', async () => {
      const response = await list(window());
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ total: 3, limit: 50, offset: 0 });
      expect(names(response)).toEqual(['Müller', 'Zwart', 'Appel']);
      expect(response.json.data[0]).toEqual({
        id: ids.mueller,
        reference: expect.stringMatching(/^B12-/),
        status: 'booked',
        source: 'online',
        slot: {
          id: expect.any(String),
          startsAt: `${day}T08:00:00.000Z`,
          endsAt: `${day}T08:30:00.000Z`,
          // The clinic's wall clock (Europe/Amsterdam, winter time).
          startsAtLocal: `${day}T09:00:00`,
          endsAtLocal: `${day}T09:30:00`,
        },
        patient: {
          id: expect.any(String),
          firstName: 'Jürgen',
          lastName: 'Müller',
          email: 'jm@example.de',
          phone: '+31612345678',
          dateOfBirth: '1980-05-17',
        },
        notes: null,
        cancelledAt: null,
        cancelReason: null,
        cancelledBy: null,
        // Written by PostgreSQL (isoUtc), the same text as the booking's own answer.
        createdAt: muellerCreatedAt,
        consentAt: expect.any(String),
        submittedDetails: null,
      });
      const [{ cancelledAt }] = await t.dataSource.query(
        `SELECT cancelled_at AS "cancelledAt" FROM booking WHERE id = $1`,
        [ids.appel],
      );
      expect(response.json.data[2].cancelledAt).toBe((cancelledAt as Date).toISOString());
    });

    it('filters by status (one or several), slot and patient', async () => {
      expect(names(await list(`${window()}&status=cancelled`))).toEqual(['Appel']);
      expect((await list(`${window()}&status=booked,cancelled`)).json.total).toBe(3);
      const first = (await list(window())).json.data[0];
      expect(names(await list(`slotId=${first.slot.id}`))).toEqual(['Müller']);
      expect(names(await list(`patientId=${first.patient.id}`))).toEqual(['Müller']);
    });

    it.each([
      ['muller', ['Müller']],
      ['MÜLLER', ['Müller']],
      ['jurgen', ['Müller']],
      ['anouk@example', ['Zwart']],
      ['06 1234 5678', ['Müller']],
      ['+31612345678', ['Müller']],
      ['020 555 0101', ['Zwart']],
      ['zwa', ['Zwart']],
      ['nobody-like-this', []],
      ['%', []], // a LIKE wildcard matches only itself
    ])('finds by q=%s', async (q, expected) => {
      expect(names(await list(`${window()}&q=${encodeURIComponent(q)}`))).toEqual(expected);
    });

    it('finds by reference, in any case', async () => {
      const [booking] = (await list(window())).json.data;
      expect(names(await list(`q=${booking.reference.toLowerCase()}`))).toEqual(['Müller']);
      // As read out on the phone: without its prefix, or without the dash.
      expect(names(await list(`q=${booking.reference.slice(4).toLowerCase()}`))).toEqual(['Müller']);
      expect(names(await list(`q=${booking.reference.replace('-', '')}`))).toEqual(['Müller']);
    });

    it('sorts by slot start, creation or last name, either way, and paginates', async () => {
      expect(names(await list(`${window()}&sort=-startsAt`))).toEqual(['Appel', 'Zwart', 'Müller']);
      expect(names(await list(`${window()}&sort=lastName`))).toEqual(['Appel', 'Müller', 'Zwart']);
      expect(names(await list(`${window()}&sort=-lastName`))).toEqual(['Zwart', 'Müller', 'Appel']);
      expect(names(await list(`${window()}&sort=createdAt`))).toEqual(['Müller', 'Zwart', 'Appel']);
      const page = await list(`${window()}&sort=lastName&limit=1&offset=1`);
      expect(page.json).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(names(page)).toEqual(['Müller']);
    });

    it.each([
      ['limit=501', 'limit'],
      ['sort=firstName', 'sort'],
      ['status=gone', 'status'],
      ['slotId=12', 'slotId'],
      ['from=2031-02-30T00:00:00Z', 'from'],
      ['format=xml', 'format'],
      [`q=${'x'.repeat(101)}`, 'q'],
    ])('refuses ?%s naming %s', async (query, field) => {
      const problem = expectProblem(await list(query), 400);
      expect(problem.errors!.map((e) => e.field)).toContain(field);
    });

    it('exports the same rows as CSV, quoted and safe against formula injection, without the page cap', async () => {
      const slot = await newSlot(t.dataSource, { startsAt: new Date(`${day}T15:00:00Z`), capacity: 5 });
      await book(slot.id, { firstName: '=HYPERLINK("http://evil")', lastName: 'Quote "Me", Please' });
      const viaAccept = await list(`${window()}&limit=1`, { accept: 'text/csv' });
      expect(viaAccept.status).toBe(200);
      expect(viaAccept.contentType).toMatch(/^text\/csv/);
      const lines = viaAccept.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'reference,status,source,slot_starts_at,slot_ends_at,first_name,last_name,email,phone,date_of_birth,notes,created_at,consent_at,cancelled_at,cancelled_by,cancel_reason,submitted_first_name,submitted_last_name,submitted_phone',
      );
      expect(lines).toHaveLength(1 + 4);
      const evil = lines.find((l) => l.includes('HYPERLINK'))!;
      expect(evil).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(evil).toContain('"Quote ""Me"", Please"');
      expect(evil).toContain("'+31612345678");
      const viaFormat = await list(`${window()}&format=csv&status=cancelled`);
      expect(viaFormat.text.trimEnd().split('\r\n')).toHaveLength(2);
      expect(viaFormat.text).toContain('called in');
    });

    it('is for staff only', async () => {
      expectProblem(await t.http.get('/api/v1/admin/bookings'), 401);
    });
  });

  describe('POST /api/v1/admin/bookings/:id/resend', () => {
    it('sends the confirmation again with a new manage link: the old one answers 404, the new one works', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 2 });
      const email = `lost.it.${Date.now()}@example.nl`;
      const booking = await book(slot.id, { email });
      await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m));
      const resent = await t.http.post(`/api/v1/admin/bookings/${booking.id}/resend`, undefined, { token });
      expect(resent.status).toBe(202);
      const view = (manageToken: string) =>
        t.http.get(`/api/v1/bookings/${booking.reference}`, { headers: { 'x-booking-token': manageToken } });
      expectProblem(await view(booking.manageToken), 404);
      const [, again] = await smtp.waitFor(2, (m) => to(email)(m) && subject(/booked/)(m));
      const fresh = /#token=([\w-]+)/.exec(again.text ?? '')![1];
      expect(fresh).not.toBe(booking.manageToken);
      expect((await view(fresh)).json.reference).toBe(booking.reference);
      // The reminder waiting to go out carries the new link too.
      const reminders = await t.dataSource.query(
        `SELECT status FROM notification WHERE booking_id = $1 AND kind = 'reminder' ORDER BY created_at`,
        [booking.id],
      );
      expect(reminders.map((r: { status: string }) => r.status)).toEqual(['skipped', 'pending']);
      // Not for a cancelled booking; not for an unknown one.
      await t.http.patch(`/api/v1/admin/bookings/${booking.id}`, { status: 'cancelled' }, { token });
      expectProblem(
        await t.http.post(`/api/v1/admin/bookings/${booking.id}/resend`, undefined, { token }),
        409,
      );
      expectProblem(
        await t.http.post(`/api/v1/admin/bookings/4a0e2b1c-0000-4000-8000-000000000000/resend`, undefined, {
          token,
        }),
        404,
      );
    });
  });

  describe('PATCH /api/v1/admin/bookings/:id', () => {
    const patch = (id: string, body: unknown) =>
      t.http.patch(`/api/v1/admin/bookings/${id}`, body, { token });

    it('marks attendance once the slot has started, and corrects a mark only with a reason, kept in the audit log', async () => {
      const started = await newSlot(t.dataSource, {
        startsAt: new Date(Math.floor((Date.now() + 90_000) / 60_000) * 60_000),
        capacity: 3,
      });
      const a = await book(started.id);
      const b = await book(started.id);
      await t.dataSource.query(
        `UPDATE slot SET starts_at = starts_at - interval '10 minutes', ends_at = ends_at - interval '10 minutes' WHERE id = $1`,
        [started.id],
      );
      expect((await patch(a.id, { status: 'attended' })).json.status).toBe('attended');
      expect((await patch(b.id, { status: 'no_show' })).json.status).toBe('no_show');
      expectProblem(await patch(a.id, { status: 'attended' }), 409);
      // A mark set by mistake: corrected either way, or back to booked, each with a reason.
      const noReason = expectProblem(await patch(a.id, { status: 'no_show' }), 400);
      expect(noReason.errors).toEqual([{ field: 'reason', message: expect.stringMatching(/required/) }]);
      expect((await patch(a.id, { status: 'no_show', reason: 'marked the wrong row' })).json.status).toBe(
        'no_show',
      );
      expect((await patch(b.id, { status: 'booked', reason: 'came in late after all' })).json.status).toBe(
        'booked',
      );
      const [audit] = await t.dataSource.query(
        `SELECT action, reason FROM audit_event WHERE record_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [b.id],
      );
      expect(audit).toEqual({ action: 'booking.booked', reason: 'came in late after all' });
      const future = await newSlot(t.dataSource, { capacity: 1 });
      const c = await book(future.id);
      expect(expectProblem(await patch(c.id, { status: 'attended' }), 409).detail).toMatch(/started/);
      const [{ booked_count }] = await t.dataSource.query(`SELECT booked_count FROM slot WHERE id = $1`, [
        started.id,
      ]);
      expect(booked_count).toBe(2);
    });

    it('cancels for the patient past their deadline, frees the place and emails them; cancelled stays cancelled', async () => {
      // Inside the patient's 24-hour deadline, whatever the time of day (today's 23:59 was not:
      // near midnight it overlapped the slot starting in 90 s above).
      const inThreeHours = new Date(Math.floor((Date.now() + 3 * 3600_000) / 60_000) * 60_000);
      const soon = await newSlot(t.dataSource, { startsAt: inThreeHours, capacity: 1 });
      const email = 'staff.cancels@example.nl';
      const booking = await book(soon.id, { email });
      const response = await patch(booking.id, { status: 'cancelled', reason: 'Nurse ill' });
      expect(response.json).toMatchObject({
        status: 'cancelled',
        cancelledBy: 'staff',
        cancelReason: 'Nurse ill',
      });
      const [{ booked_count }] = await t.dataSource.query(`SELECT booked_count FROM slot WHERE id = $1`, [
        soon.id,
      ]);
      expect(booked_count).toBe(0);
      const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/cancelled/)(m));
      expect(mail.text).toContain('Reason: Nurse ill');
      expect(inviteOf(mail)).toMatchObject({
        method: 'CANCEL',
        uid: `${booking.id}@clinic-booking`,
        sequence: 1,
      });
      expect(expectProblem(await patch(booking.id, { status: 'attended' }), 409).detail).toMatch(
        /stays cancelled/,
      );
    });

    it('answers 404 and 400 as it should', async () => {
      expectProblem(await patch('4a0e2b1c-0000-4000-8000-000000000000', { status: 'attended' }), 404);
      expectProblem(await patch('nope', { status: 'attended' }), 400);
      const slot = await newSlot(t.dataSource, { capacity: 1 });
      const booking = await book(slot.id);
      expect(expectProblem(await patch(booking.id, { status: 'done' }), 400).errors![0].field).toBe('status');
      expectProblem(await patch(booking.id, { status: 'booked' }), 409);
    });
  });

  describe('POST /api/v1/admin/slots/:id/cancel', () => {
    it('cancels the slot and its three bookings in one go, and tells each patient', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 4, startsAt: new Date('2031-03-03T09:00:00Z') });
      const emails = ['sc1@example.nl', 'sc2@example.nl', 'sc3@example.nl'];
      const bookings = [];
      for (const email of emails) bookings.push(await book(slot.id, { email }));
      const response = await t.http.post(
        `/api/v1/admin/slots/${slot.id}/cancel`,
        { reason: 'Nurse ill' },
        { token },
      );
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({
        id: slot.id,
        status: 'cancelled',
        bookedCount: 0,
        cancelledBookings: 3,
      });
      const rows = await t.dataSource.query(`SELECT status, cancelled_by FROM booking WHERE slot_id = $1`, [
        slot.id,
      ]);
      expect(rows).toEqual(Array(3).fill({ status: 'cancelled', cancelled_by: 'staff' }));
      for (const [i, email] of emails.entries()) {
        const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/had to cancel/)(m));
        expect(mail.text).toContain('Reason: Nurse ill');
        expect(inviteOf(mail)).toMatchObject({ method: 'CANCEL', uid: `${bookings[i].id}@clinic-booking` });
      }
      expectProblem(
        await t.http.post(`/api/v1/admin/slots/${slot.id}/cancel`, { reason: 'again' }, { token }),
        409,
      );
      expectProblem(await t.http.post(`/api/v1/admin/slots/${slot.id}/cancel`, {}, { token }), 400);
    });

    it('runs again when PostgreSQL rolls it back to break a deadlock, and writes each email once', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 3, startsAt: new Date('2031-03-05T09:00:00Z') });
      const emails = ['deadlock1@example.nl', 'deadlock2@example.nl'];
      const ids: string[] = [];
      for (const email of emails) ids.push((await book(slot.id, { email })).id);
      // Another transaction holds the bookings' reminders, as the dispatcher does while it
      // records a batch of emails as sent (the cycle CI once met: 500 instead of 200).
      const other = t.dataSource.createQueryRunner();
      await other.connect();
      try {
        await other.startTransaction();
        // Its own deadlock check comes late, so that PostgreSQL picks the cancellation.
        await other.query(`SET LOCAL deadlock_timeout = '10s'`);
        const [{ pid }] = await other.query(`SELECT pg_backend_pid() AS pid`);
        await other.query(
          `UPDATE notification SET updated_at = now() WHERE booking_id = ANY($1::uuid[]) AND kind = 'reminder'`,
          [ids],
        );
        const cancelling = t.http.post(
          `/api/v1/admin/slots/${slot.id}/cancel`,
          { reason: 'Nurse ill' },
          { token },
        );
        // The cancellation locks the slot and its bookings, then waits for a reminder ...
        await eventually(async () => {
          const [{ waiting }] = await t.dataSource.query(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
            [pid],
          );
          expect(waiting).toBe(1);
        });
        // ... and this transaction now waits for a booking the cancellation holds: a cycle.
        await other.query(`SELECT id FROM booking WHERE id = $1 FOR UPDATE`, [ids[0]]);
        await other.commitTransaction();
        const response = await cancelling;
        expect(response.status).toBe(200);
        expect(response.json).toMatchObject({ status: 'cancelled', bookedCount: 0, cancelledBookings: 2 });
      } finally {
        if (other.isTransactionActive) await other.rollbackTransaction();
        await other.release();
      }
      const written = await t.dataSource.query(
        `SELECT recipient FROM notification WHERE kind = 'slot_cancelled' AND booking_id = ANY($1::uuid[])
         ORDER BY recipient`,
        [ids],
      );
      expect(written).toEqual(emails.map((recipient) => ({ recipient })));
      for (const email of emails) await smtp.waitFor(1, (m) => to(email)(m) && subject(/had to cancel/)(m));
    });

    it('leaves an email a dispatcher holds to it, without waiting, and the dispatcher then skips it', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 2, startsAt: new Date('2031-03-06T09:00:00Z') });
      const { id } = await book(slot.id, { email: 'in.flight@example.nl' });
      // A dispatcher of another instance claimed the reminder and is recording it (its row locked).
      const [[reminder]] = await t.dataSource.query(
        `UPDATE notification SET not_before = now(), locked_until = now() + interval '1 minute', locked_by = 'elsewhere'
         WHERE booking_id = $1 AND kind = 'reminder' RETURNING id`,
        [id],
      );
      const other = t.dataSource.createQueryRunner();
      await other.connect();
      try {
        await other.startTransaction();
        await other.query(`UPDATE notification SET updated_at = now() WHERE id = $1`, [reminder.id]);
        const response = await t.http.post(
          `/api/v1/admin/slots/${slot.id}/cancel`,
          { reason: 'Flu' },
          { token },
        );
        expect(response.status).toBe(200);
      } finally {
        await other.rollbackTransaction();
        await other.release();
      }
      const status = async () =>
        (await t.dataSource.query(`SELECT status FROM notification WHERE id = $1`, [reminder.id]))[0].status;
      expect(await status()).toBe('pending');
      // Its lease runs out unrecorded (the send failed, the instance died): the next claim skips it.
      await t.dataSource.query(
        `UPDATE notification SET locked_until = now() - interval '1 second' WHERE id = $1`,
        [reminder.id],
      );
      await eventually(async () => expect(await status()).toBe('skipped'));
    });

    it('changes nothing when it fails half-way', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 4, startsAt: new Date('2031-03-04T09:00:00Z') });
      for (const email of ['half1@example.nl', 'half2@example.nl', 'half3@example.nl'])
        await book(slot.id, { email });
      // Make the third cancellation email fail to be written, inside the transaction.
      await t.dataSource.query(`
        CREATE FUNCTION fail_third_email() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.kind = 'slot_cancelled' AND NEW.recipient = 'half3@example.nl' THEN RAISE EXCEPTION 'injected failure'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fail_third_email BEFORE INSERT ON notification FOR EACH ROW EXECUTE FUNCTION fail_third_email();`);
      try {
        const response = await t.http.post(
          `/api/v1/admin/slots/${slot.id}/cancel`,
          { reason: 'x' },
          { token },
        );
        expectProblem(response, 500);
      } finally {
        await t.dataSource.query(
          `DROP TRIGGER fail_third_email ON notification; DROP FUNCTION fail_third_email();`,
        );
      }
      const [state] = await t.dataSource.query(
        `SELECT s.status, s.booked_count,
                (SELECT count(*)::int FROM booking WHERE slot_id = s.id AND status = 'booked') AS booked,
                (SELECT count(*)::int FROM notification n JOIN booking b ON b.id = n.booking_id WHERE b.slot_id = s.id AND n.kind = 'slot_cancelled') AS emails
         FROM slot s WHERE s.id = $1`,
        [slot.id],
      );
      expect(state).toEqual({ status: 'open', booked_count: 3, booked: 3, emails: 0 });
    });
  });

  describe('audit', () => {
    it('records staff writes, views and sign-ins with who, what, which record and the request id; admins only', async () => {
      const slot = await newSlot(t.dataSource, { capacity: 2 });
      const booking = await book(slot.id);
      const response = await t.http.patch(
        `/api/v1/admin/bookings/${booking.id}`,
        { status: 'cancelled' },
        { token },
      );
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-request-id');
      await t.http.post('/api/v1/auth/login', { email: 'who@clinic.test', password: 'wrong password' });
      const admin = await signedInStaff(t, 'admin');
      const audit = await eventually(async () => {
        const r = await t.http.get(`/api/v1/admin/audit?recordId=${booking.id}`, { token: admin.token });
        expect(r.json.total).toBe(1);
        return r;
      });
      expect(audit.json.data[0]).toEqual({
        id: expect.any(String),
        actorType: 'staff',
        actorId: staffId,
        action: 'booking.cancel',
        recordType: 'booking',
        recordId: booking.id,
        requestId,
        reason: null,
        createdAt: expect.any(String),
      });
      const failed = await t.http.get('/api/v1/admin/audit?action=auth.login_failed', { token: admin.token });
      expect(failed.json.total).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(failed.json)).not.toContain('who@clinic.test');
      const logins = await t.http.get(`/api/v1/admin/audit?action=auth.login&actorId=${admin.staff.id}`, {
        token: admin.token,
      });
      expect(logins.json.total).toBe(1);
      expectProblem(await t.http.get('/api/v1/admin/audit', { token }), 403);
    });
  });
});
