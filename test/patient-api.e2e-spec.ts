import { startTestApp, TestApp } from './support/app';
import { bookingBody, daysFromNow, newSlot } from './support/factories';
import { expectProblem } from './support/http';
import { eventually, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

/** What the patient pages need of the API: the calendar's days and "Lost your link?". */
describe('the patient pages’ API', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ SMTP_URL: smtp.url, NOTIFICATION_POLL_MS: '50', BOOKING_HORIZON_DAYS: '90' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  describe('GET /api/v1/slots/days', () => {
    it('counts the free places of each local date with a bookable slot, and only those', async () => {
      const day = (d: number) => daysFromNow(d, 0).toISOString().slice(0, 10);
      await newSlot(t.dataSource, { startsAt: daysFromNow(10, 8 * 60), capacity: 3, bookedCount: 1 });
      await newSlot(t.dataSource, { startsAt: daysFromNow(10, 9 * 60), capacity: 2 });
      await newSlot(t.dataSource, { startsAt: daysFromNow(11, 8 * 60), capacity: 2, bookedCount: 2 });
      await newSlot(t.dataSource, { startsAt: daysFromNow(12, 8 * 60), capacity: 2, status: 'closed' });
      await newSlot(t.dataSource, { startsAt: daysFromNow(13, 8 * 60), capacity: 1 });
      // Past the horizon (90 days): not offered.
      await newSlot(t.dataSource, { startsAt: daysFromNow(95, 8 * 60), capacity: 1 });
      const response = await t.http.get(`/api/v1/slots/days?from=${day(9)}&to=${day(12)}`);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({
        data: [{ date: day(10), available: 4 }],
        timeZone: 'Europe/Amsterdam',
      });
      const wide = await t.http.get(`/api/v1/slots/days?from=${day(9)}&to=${day(100)}`);
      expect(wide.json.data.map((d: { date: string }) => d.date)).toEqual([day(10), day(13)]);
    });

    it('refuses a bad window naming the field', async () => {
      const backwards = expectProblem(
        await t.http.get('/api/v1/slots/days?from=2027-03-10&to=2027-03-01'),
        400,
      );
      expect(backwards.errors).toEqual([{ field: 'to', message: expect.any(String) }]);
      const long = expectProblem(await t.http.get('/api/v1/slots/days?from=2027-01-01&to=2027-06-01'), 400);
      expect(long.errors).toEqual([{ field: 'to', message: expect.stringMatching(/93 days/) }]);
      const bad = expectProblem(await t.http.get('/api/v1/slots/days?from=tomorrow'), 400);
      expect(bad.errors).toEqual([{ field: 'from', message: expect.any(String) }]);
    });
  });

  describe('POST /api/v1/bookings/lookup', () => {
    const lookup = (body: unknown) => t.http.post('/api/v1/bookings/lookup', body);

    it('always answers 202; a patient gets one email with fresh links to their upcoming bookings', async () => {
      const email = `lost.link.${Date.now()}@example.nl`;
      const a = await newSlot(t.dataSource, { startsAt: daysFromNow(20), capacity: 1 });
      const b = await newSlot(t.dataSource, { startsAt: daysFromNow(21), capacity: 1 });
      const first = await t.http.post(
        '/api/v1/bookings',
        bookingBody(a.id, { email, dateOfBirth: '1975-04-03' }),
      );
      const second = await t.http.post(
        '/api/v1/bookings',
        bookingBody(b.id, { email, dateOfBirth: '1975-04-03' }),
      );
      const unknown = await lookup({ email: `nobody.${Date.now()}@example.nl`, dateOfBirth: '1975-04-03' });
      const known = await lookup({ email: email.toUpperCase(), dateOfBirth: '1975-04-03' });
      expect([unknown.status, known.status]).toEqual([202, 202]);
      expect(known.text).toBe(unknown.text);
      const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/Your appointments/)(m));
      const links = [...(mail.text ?? '').matchAll(/\/manage\/(B12-\w+)\?lang=\w\w#token=([\w-]+)/g)];
      expect(links.map((l) => l[1])).toEqual([first.json.reference, second.json.reference]);
      const view = (reference: string, token: string) =>
        t.http.get(`/api/v1/bookings/${reference}`, { headers: { 'x-booking-token': token } });
      for (const [, reference, token] of links) expect((await view(reference, token)).status).toBe(200);
      expectProblem(await view(first.json.reference, first.json.manageToken), 404);
      // Asked again at once: no second email (the form cannot flood a mailbox).
      expect((await lookup({ email, dateOfBirth: '1975-04-03' })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notification WHERE kind = 'booking_lookup' AND recipient = $1`,
        [email],
      );
      expect(n).toBe(1);
      await eventually(() =>
        expect(smtp.messages.filter(to(email)).filter(subject(/Your appointments/))).toHaveLength(1),
      );
    });

    it('refuses bad input naming the field', async () => {
      const problem = expectProblem(await lookup({ email: 'nope', dateOfBirth: '1980-02-30' }), 400);
      expect(problem.errors!.map((e) => e.field).sort()).toEqual(['dateOfBirth', 'email']);
      expectProblem(await lookup({ email: 'a@example.nl', dateOfBirth: '1980-01-01', extra: 1 }), 400);
    });
  });
});
