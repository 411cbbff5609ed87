import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { SecretBox } from '../src/common/secret-box';
import { OutboxService } from '../src/notifications/outbox.service';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';
import { expectProblem } from './support/http';
import { eventually, inviteOf, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const FAST = {
  NOTIFICATION_POLL_MS: '50',
  NOTIFICATION_RETRY_BASE_MS: '100',
  FRONT_DESK_EMAIL: 'desk@clinic.test',
};

async function statuses(t: TestApp, bookingId: string) {
  const rows = await t.dataSource.query(
    `SELECT kind, status FROM notification WHERE booking_id = $1 ORDER BY kind`,
    [bookingId],
  );
  return Object.fromEntries(rows.map((r: { kind: string; status: string }) => [r.kind, r.status]));
}

describe('email: outbox and dispatcher', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ ...FAST, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://book.clinic.example' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.mode = 'accept';
  });

  const book = async (
    slotAt: Date,
    patient: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const slot = await newSlot(t.dataSource, { startsAt: slotAt, capacity: 5 });
    const response = await t.http.post('/api/v1/bookings', bookingBody(slot.id, patient), { headers });
    expect(response.status).toBe(201);
    return response.json as { id: string; reference: string; manageToken: string };
  };

  it('confirms in Dutch with local winter time, reference, link and an invite; the front desk is told', async () => {
    const email = 'nl.winter@example.nl';
    const booking = await book(
      new Date('2027-12-07T09:00:00Z'),
      { email, firstName: 'Sanne' },
      { 'accept-language': 'nl-NL' },
    );
    const [mail] = await smtp.waitFor(1, to(email));
    expect(mail.subject).toBe(
      `Uw afspraak bij Gold City Medical Center is geboekt: dinsdag 7 december 2027 om 10:00 (${booking.reference})`,
    );
    expect(mail.text).toContain('Beste Sanne');
    expect(mail.text).toContain(
      `https://book.clinic.example/manage/${booking.reference}?lang=nl#token=${booking.manageToken}`,
    );
    expect(mail.html).toContain('methylmalonzuur');
    // One .ics file (and the calendar part mail clients show as an invitation).
    expect(mail.attachments.filter((a) => a.filename?.endsWith('.ics'))).toHaveLength(1);
    expect(inviteOf(mail)).toEqual({
      contentType: expect.stringMatching(/^(application\/ics|text\/calendar)/),
      method: 'REQUEST',
      uid: `${booking.id}@clinic-booking`,
      sequence: 0,
      start: '2027-12-07T09:00:00.000Z',
      end: '2027-12-07T09:30:00.000Z',
      location: 'Gold City Medical Center',
    });
    // The server has the message a moment before the dispatcher records it as sent.
    const row = await eventually(async () => {
      const [found] = await t.dataSource.query(
        `SELECT id, message_id, status, secret FROM notification WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
        [booking.id],
      );
      expect(found).toMatchObject({ message_id: mail.messageId, status: 'sent', secret: null });
      return found;
    });
    expect(mail.messageId).toBe(`<${row.id}@localhost>`);
    // The reminder, not yet due, keeps the manage token sealed for its own email.
    const [reminder] = await t.dataSource.query(
      `SELECT status, secret FROM notification WHERE booking_id = $1 AND kind = 'reminder'`,
      [booking.id],
    );
    expect(reminder.status).toBe('pending');
    expect(reminder.secret).not.toContain(booking.manageToken);
    expect(t.app.get(OutboxService).openSecret(reminder.secret)).toBe(booking.manageToken);

    const [notice] = await smtp.waitFor(
      1,
      (m) => to('desk@clinic.test')(m) && m.subject!.includes(booking.reference),
    );
    expect(notice.text).toContain('Sanne');
    // In the front desk's language (STAFF_LOCALE, default nl).
    expect(notice.text).toContain('dinsdag 7 december 2027 om 10:00');
    // Subjects show on lock screens: the notice's names the reference, not the patient, and no
    // subject names the kind of assessment.
    expect(notice.subject).not.toContain('Sanne');
    expect(mail.subject).not.toMatch(/B12-onderzoek|B12 assessment/);
  });

  it('confirms in English with local summer time', async () => {
    const email = 'en.summer@example.nl';
    const booking = await book(new Date('2027-07-06T08:00:00Z'), { email }, { 'accept-language': 'en-GB' });
    const [mail] = await smtp.waitFor(1, to(email));
    expect(mail.subject).toBe(
      `Your appointment at Gold City Medical Center is booked: Tuesday 6 July 2027 at 10:00 (${booking.reference})`,
    );
    expect(mail.text).toMatch(/full blood count/);
    expect(inviteOf(mail)!.start).toBe('2027-07-06T08:00:00.000Z');
  });

  it("schedules a new booking's reminder its lead time before the start, and none when that has passed", async () => {
    const emails = (bookingId: string) =>
      t.dataSource.query(
        `SELECT kind, recipient, not_before AS "notBefore", payload - 'firstName' - 'lastName' AS payload
         FROM notification WHERE booking_id = $1 ORDER BY kind`,
        [bookingId],
      );
    const before = new Date();
    const later = await book(new Date('2027-10-05T07:00:00Z'), { email: 'reminder.later@example.nl' });
    const payload = {
      reference: later.reference,
      slotId: expect.any(String),
      startsAt: '2027-10-05T07:00:00.000Z',
      endsAt: '2027-10-05T07:30:00.000Z',
      sequence: 0,
    };
    const laterEmails = await emails(later.id);
    expect(laterEmails).toEqual([
      {
        kind: 'booking_confirmed',
        recipient: 'reminder.later@example.nl',
        notBefore: expect.any(Date),
        payload,
      },
      {
        kind: 'reminder',
        recipient: 'reminder.later@example.nl',
        notBefore: new Date('2027-10-03T07:00:00Z'),
        payload,
      },
      { kind: 'staff_new_booking', recipient: 'desk@clinic.test', notBefore: expect.any(Date), payload },
    ]);
    const confirmedAt = laterEmails[0].notBefore.getTime();
    expect(confirmedAt).toBeGreaterThanOrEqual(before.getTime());
    expect(confirmedAt).toBeLessThanOrEqual(Date.now());

    const soonAt = new Date(Math.ceil((Date.now() + 3 * 3600_000) / 60_000) * 60_000);
    const soon = await book(soonAt, { email: 'reminder.soon@example.nl' });
    expect((await emails(soon.id)).map((e: { kind: string }) => e.kind)).toEqual([
      'booking_confirmed',
      'staff_new_booking',
    ]);
  });

  it('writes no email for a change that rolls back', async () => {
    const slot = await newSlot(t.dataSource, { capacity: 5 });
    const body = bookingBody(slot.id);
    expect((await t.http.post('/api/v1/bookings', body)).status).toBe(201);
    const [{ n: before }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM notification`);
    expectProblem(await t.http.post('/api/v1/bookings', body), 409); // same patient, same slot
    const [{ n: after }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM notification`);
    expect(after).toBe(before);
  });

  it('on cancel: skips the reminder and sends a CANCEL invite with the same UID and a higher SEQUENCE', async () => {
    const email = 'cancels@example.nl';
    const booking = await book(new Date('2027-09-14T08:00:00Z'), { email });
    await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m));
    const cancel = await t.http.post(
      `/api/v1/bookings/${booking.reference}/cancel`,
      {},
      {
        headers: { 'x-booking-token': booking.manageToken },
      },
    );
    expect(cancel.status).toBe(200);
    const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/cancelled/)(m));
    expect(inviteOf(mail)).toMatchObject({
      method: 'CANCEL',
      uid: `${booking.id}@clinic-booking`,
      sequence: 1,
    });
    // The mail server has the message; the dispatcher records it as sent just after.
    await eventually(async () =>
      expect(await statuses(t, booking.id)).toMatchObject({
        booking_confirmed: 'sent',
        reminder: 'skipped',
        booking_cancelled: 'sent',
      }),
    );
  });

  it('on reschedule: skips the old reminder, makes a new one, and sends the moved invite', async () => {
    const email = 'moves@example.nl';
    const booking = await book(new Date('2027-09-15T08:00:00Z'), { email });
    const target = await newSlot(t.dataSource, { startsAt: new Date('2027-09-16T12:00:00Z') });
    const moved = await t.http.post(
      `/api/v1/bookings/${booking.reference}/reschedule`,
      { slotId: target.id },
      {
        headers: { 'x-booking-token': booking.manageToken },
      },
    );
    expect(moved.status).toBe(200);
    const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/moved/)(m));
    expect(mail.text).toContain(
      'from Wednesday 15 September 2027 at 10:00 to Thursday 16 September 2027 at 14:00',
    );
    expect(mail.text).toContain(`#token=${booking.manageToken}`);
    expect(inviteOf(mail)).toMatchObject({
      method: 'REQUEST',
      uid: `${booking.id}@clinic-booking`,
      sequence: 1,
      start: '2027-09-16T12:00:00.000Z',
    });
    const reminders = await t.dataSource.query(
      `SELECT status, not_before, payload->>'startsAt' AS "startsAt" FROM notification WHERE booking_id = $1 AND kind = 'reminder' ORDER BY created_at`,
      [booking.id],
    );
    expect(reminders.map((r: { status: string }) => r.status)).toEqual(['skipped', 'pending']);
    expect(reminders[1].not_before.toISOString()).toBe('2027-09-14T12:00:00.000Z');
  });

  it('keeps every email through an SMTP outage (refusing, then down) and sends each exactly once after', async () => {
    smtp.mode = 'refuse';
    const emails = ['outage1@example.nl', 'outage2@example.nl', 'outage3@example.nl'];
    const bookings: { id: string }[] = [];
    for (const [i, email] of emails.entries()) {
      bookings.push(await book(new Date(Date.UTC(2027, 9, 5, 8 + i)), { email }));
    }
    await eventually(async () => {
      const rows = await t.dataSource.query(
        `SELECT status FROM notification WHERE booking_id = ANY($1) AND kind = 'booking_confirmed'`,
        [bookings.map((b) => b.id)],
      );
      expect(rows.map((r: { status: string }) => r.status)).toEqual(['failed', 'failed', 'failed']);
    });
    await smtp.stop();
    bookings.push(await book(new Date('2027-10-05T12:00:00Z'), { email: 'outage4@example.nl' }));
    emails.push('outage4@example.nl');
    await new Promise((resolve) => setTimeout(resolve, 500));
    smtp.mode = 'accept';
    await smtp.start();
    for (const email of emails) await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const email of emails) {
      expect(smtp.messages.filter((m) => to(email)(m) && subject(/booked/)(m))).toHaveLength(1);
    }
  });

  it('gives up after the last attempt (dead, listed), and sends when staff retry', async () => {
    const limited = await startTestApp({
      ...FAST,
      SMTP_URL: smtp.url,
      NOTIFICATION_MAX_ATTEMPTS: '2',
      DATABASE_URL: t.config.databaseUrl!,
    });
    await t.close();
    try {
      smtp.mode = 'refuse';
      const slot = await newSlot(limited.dataSource, {
        capacity: 2,
        startsAt: new Date('2027-11-02T09:00:00Z'),
      });
      const email = 'dead.letter@example.nl';
      const booked = await limited.http.post('/api/v1/bookings', bookingBody(slot.id, { email }));
      const id = await eventually(async () => {
        const [row] = await limited.dataSource.query(
          `SELECT id, status, attempts, last_error FROM notification WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
          [booked.json.id],
        );
        expect(row).toMatchObject({
          status: 'dead',
          attempts: 2,
          last_error: expect.stringContaining('451'),
        });
        return row.id as string;
      });
      const { token } = await signedInStaff(limited);
      const listed = await limited.http.get(
        '/api/v1/admin/notifications?status=dead&kind=booking_confirmed',
        { token },
      );
      expect(listed.json.data.map((n: { id: string }) => n.id)).toContain(id);
      expect(listed.json.data[0]).not.toHaveProperty('payload');
      expect(listed.json.data[0]).not.toHaveProperty('secret');

      smtp.mode = 'accept';
      const retried = await limited.http.post(`/api/v1/admin/notifications/${id}/retry`, undefined, {
        token,
      });
      expect(retried.status).toBe(200);
      expect(retried.json).toMatchObject({ id, status: 'pending', attempts: 0 });
      const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m));
      expect(mail.text).toContain(`#token=${booked.json.manageToken}`);
      expectProblem(
        await limited.http.post(`/api/v1/admin/notifications/${id}/retry`, undefined, { token }),
        409,
      );
      expectProblem(
        await limited.http.post(
          `/api/v1/admin/notifications/4a0e2b1c-0000-4000-8000-000000000000/retry`,
          undefined,
          { token },
        ),
        404,
      );
      expectProblem(await limited.http.get('/api/v1/admin/notifications?status=lost', { token }), 400);
      expectProblem(await limited.http.get('/api/v1/admin/notifications'), 401);
    } finally {
      t = limited; // closed by afterAll
    }
  });
});

describe('email: several dispatchers, crashes, reminders, mail drop', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp.stop());

  const insertDue = (t: TestApp, count: number, extra = '') =>
    t.dataSource.query(
      `INSERT INTO notification (kind, recipient, locale, payload ${extra ? ', locked_by, locked_until, attempts' : ''})
       SELECT 'staff_new_booking', 'desk' || g || '@clinic.test', 'en',
              jsonb_build_object('reference', 'B12-AAAAA' || (g % 10), 'slotId', 's', 'startsAt', '2027-05-04T08:00:00Z',
                                 'endsAt', '2027-05-04T08:30:00Z', 'firstName', 'P', 'lastName', 'Q' || g, 'sequence', 0)
              ${extra}
       FROM generate_series(1, ${count}) AS g`,
    );

  it('two instances on one database send each of 200 due emails exactly once', async () => {
    const a = await startTestApp({ ...FAST, SMTP_URL: smtp.url });
    const b = await startTestApp({ ...FAST, SMTP_URL: smtp.url, DATABASE_URL: a.config.databaseUrl! });
    try {
      const before = smtp.messages.length;
      await insertDue(a, 200);
      await eventually(async () => {
        const [{ n }] = await a.dataSource.query(
          `SELECT count(*)::int AS n FROM notification WHERE status = 'sent'`,
        );
        expect(n).toBe(200);
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const received = smtp.messages.slice(before);
      expect(received).toHaveLength(200);
      expect(new Set(received.map((m) => m.messageId)).size).toBe(200);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('takes over the rows of a dispatcher that died holding them, once its lease ends', async () => {
    const t = await startTestApp({ ...FAST, SMTP_URL: smtp.url });
    try {
      const before = smtp.messages.length;
      await insertDue(t, 5, `, 'crashed-instance', now() + interval '1500 milliseconds', 1`);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(smtp.messages.length).toBe(before); // still leased to the dead instance
      await eventually(() => expect(smtp.messages.length).toBe(before + 5), 10_000);
      await eventually(async () => {
        const rows = await t.dataSource.query(`SELECT status, attempts FROM notification`);
        expect(rows).toEqual(Array(5).fill({ status: 'sent', attempts: 2 }));
      });
    } finally {
      await t.close();
    }
  });

  it('does not send again an email whose recording failed for a moment after the mail server took it', async () => {
    const t = await startTestApp({ ...FAST, SMTP_URL: smtp.url });
    try {
      // The database refuses the first three attempts to mark a row sent, as during a restart.
      await t.dataSource.query(`
        CREATE SEQUENCE recording_faults;
        CREATE FUNCTION refuse_recording() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status = 'sent' AND nextval('recording_faults') <= 3 THEN
            RAISE EXCEPTION 'injected: the database system is starting up' USING ERRCODE = '57P03';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_recording BEFORE UPDATE ON notification
          FOR EACH ROW EXECUTE FUNCTION refuse_recording();`);
      const before = smtp.messages.length;
      await insertDue(t, 1);
      await eventually(async () => {
        const [row] = await t.dataSource.query(`SELECT status, attempts FROM notification`);
        expect(row).toEqual({ status: 'sent', attempts: 1 });
      });
      const [{ last_value }] = await t.dataSource.query(`SELECT last_value FROM recording_faults`);
      expect(Number(last_value)).toBe(4); // three refusals, then the recording that held
      await new Promise((resolve) => setTimeout(resolve, 300)); // a resend would be due by now
      expect(smtp.messages.length).toBe(before + 1);
    } finally {
      await t.close();
    }
  });

  it('gives up at once, saying why, on a token sealed under another secret (instances not sharing JWT_SECRET)', async () => {
    const t = await startTestApp({ ...FAST, SMTP_URL: smtp.url });
    try {
      const foreign = new SecretBox('a-different-secret-of-some-other-instance', 'notification-token').seal(
        'token',
      );
      await t.dataSource.query(
        `INSERT INTO notification (kind, recipient, locale, payload, secret)
         VALUES ('staff_new_booking', 'desk@clinic.test', 'en', $1, $2)`,
        [
          JSON.stringify({
            reference: 'B12-AAAAAA',
            slotId: 's',
            startsAt: '2027-05-04T08:00:00Z',
            endsAt: '2027-05-04T08:30:00Z',
            firstName: 'P',
            lastName: 'Q',
            sequence: 0,
          }),
          foreign,
        ],
      );
      await eventually(async () => {
        const [row] = await t.dataSource.query(`SELECT status, attempts, last_error FROM notification`);
        expect(row).toMatchObject({
          status: 'dead',
          attempts: 1,
          last_error: expect.stringContaining('JWT_SECRET'),
        });
      });
    } finally {
      await t.close();
    }
  });

  it('on shutdown lets sends in flight finish and gives back the rows it claimed but did not send', async () => {
    const t = await startTestApp({ ...FAST, SMTP_URL: smtp.url });
    smtp.delayMs = 300;
    try {
      await insertDue(t, 60);
      await eventually(async () => {
        const [{ n }] = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM notification WHERE locked_by IS NOT NULL`,
        );
        expect(n).toBeGreaterThan(0);
      });
      const url = t.config.databaseUrl!;
      await t.close();
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT status, locked_by IS NOT NULL AS held, count(*)::int AS n FROM notification GROUP BY 1, 2 ORDER BY 1, 2`,
        );
        // Nothing is left held by the stopped instance; what it had started was sent.
        expect(rows.filter((r: { held: boolean }) => r.held)).toEqual([]);
        const sent = rows.find((r: { status: string }) => r.status === 'sent')?.n ?? 0;
        expect(sent).toBeGreaterThan(0);
        expect(rows.reduce((sum: number, r: { n: number }) => sum + r.n, 0)).toBe(60);
      } finally {
        await client.end();
      }
    } finally {
      smtp.delayMs = 0;
    }
  });

  it('sends the reminder when it falls due, not before', async () => {
    const startsAt = new Date(Math.ceil((Date.now() + 3 * 60_000) / 60_000) * 60_000);
    const dueAt = Date.now() + 4_000;
    const hoursBefore = (startsAt.getTime() - dueAt) / 3600_000;
    const t = await startTestApp({
      ...FAST,
      SMTP_URL: smtp.url,
      BOOKING_MIN_NOTICE_MINUTES: '0',
      REMINDER_HOURS_BEFORE: hoursBefore.toFixed(8),
    });
    try {
      const slot = await newSlot(t.dataSource, { startsAt, capacity: 1 });
      const email = 'reminded@example.nl';
      expect((await t.http.post('/api/v1/bookings', bookingBody(slot.id, { email }))).status).toBe(201);
      await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m));
      expect(smtp.messages.filter((m) => to(email)(m) && subject(/Reminder/)(m))).toHaveLength(0);
      const [reminder] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/Reminder/)(m), 15_000);
      const arrived = Date.now();
      expect(arrived).toBeGreaterThanOrEqual(dueAt - 50);
      expect(arrived).toBeLessThan(dueAt + 5_000);
      expect(inviteOf(reminder)!.method).toBe('REQUEST');
    } finally {
      await t.close();
    }
  });

  it('without SMTP_URL writes each email as an .eml file to DATA_DIR/mail', async () => {
    const t = await startTestApp({ NOTIFICATION_POLL_MS: '50' });
    try {
      const slot = await newSlot(t.dataSource, { capacity: 1 });
      const booked = await t.http.post(
        '/api/v1/bookings',
        bookingBody(slot.id, { email: 'drop@example.nl' }),
      );
      const folder = join(t.config.dataDir, 'mail');
      const file = await eventually(async () => {
        const files = (await readdir(folder)).filter((f) => f.includes('booking_confirmed'));
        expect(files).toHaveLength(1);
        return files[0];
      });
      const content = await readFile(join(folder, file), 'utf8');
      expect(content).toContain('To: drop@example.nl');
      expect(content).toContain(booked.json.reference);
      expect(content).toContain('text/calendar');
    } finally {
      await t.close();
    }
  });
});
