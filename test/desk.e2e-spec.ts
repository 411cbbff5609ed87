import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { axeViolations, launchBrowser, openPage } from './support/browser';
import { bookingBody, newSlot } from './support/factories';
import { eventually, subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const localDate = (instant: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(instant);
const wholeMinute = (ms: number) => new Date(Math.ceil(ms / 60_000) * 60_000);

describe('the front-desk console, in a real browser', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    [t, browser] = await Promise.all([
      startTestApp({ SMTP_URL: smtp.url, NOTIFICATION_POLL_MS: '50', BOOKING_MIN_NOTICE_MINUTES: '0' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
  });

  const expectAccessible = async (page: Page, state: string) =>
    expect({ state, violations: await axeViolations(page) }).toEqual({ state, violations: [] });
  const showDay = async (page: Page, date: string) => {
    await page.locator('#sheet-date').fill(date);
    await page.getByRole('heading', { name: /Day sheet/ }).waitFor();
    await page.locator('.slot').first().waitFor();
  };
  const booking = (page: Page, reference: string) => page.locator(`li[data-booking="${reference}"]`);

  it('runs a receptionist’s morning: sign in, attendance, a phone booking, a move, a re-sent confirmation', async () => {
    const receptionist = await signedInStaff(t, 'receptionist');
    const admin = await signedInStaff(t, 'admin');
    // This morning's slot (started a moment ago) with three patients; one later today; one tomorrow.
    const morning = await newSlot(t.dataSource, { startsAt: wholeMinute(Date.now() + 60_000), capacity: 3 });
    const patients = await Promise.all(
      ['Aalders', 'Bakker', 'Claes'].map((lastName) =>
        t.http.post('/api/v1/bookings', bookingBody(morning.id, { lastName })),
      ),
    );
    await t.dataSource.query(
      `UPDATE slot SET starts_at = starts_at - interval '30 minutes', ends_at = ends_at - interval '30 minutes' WHERE id = $1`,
      [morning.id],
    );
    const later = await newSlot(t.dataSource, {
      startsAt: wholeMinute(Date.now() + 45 * 60_000),
      capacity: 2,
    });
    const movingEmail = `moving.${Date.now()}@example.nl`;
    const moving = await t.http.post(
      '/api/v1/bookings',
      bookingBody(later.id, { lastName: 'Dekker', email: movingEmail }),
    );
    const tomorrow = await newSlot(t.dataSource, {
      startsAt: wholeMinute(Date.now() + 26 * 3600_000),
      capacity: 2,
    });

    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/desk?lang=en`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.keyboard.press('Tab');
    await page.getByLabel('Email address').focus();
    await page.keyboard.type(receptionist.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(receptionist.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Day sheet/ }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    // No staff screen for a receptionist; the API refuses it anyway.
    expect(await page.locator('[data-screen="staff"]').count()).toBe(0);
    expect((await t.http.get('/api/v1/admin/staff', { token: receptionist.token })).status).toBe(403);

    await showDay(page, localDate(new Date(Date.now() - 30 * 60_000)));
    const [a, b, c] = patients.map((p) => p.json.reference as string);
    // Half-way through typing a reason for one booking, another is marked: the sheet refreshes,
    // and what was typed stays.
    await booking(page, c).locator('[data-action="cancel"]').click();
    await booking(page, c).getByLabel('Reason').fill('half-typed reason');
    await booking(page, a).locator('[data-action="attended"]').click();
    await booking(page, a).getByText('Attended', { exact: true }).waitFor();
    await page.getByText(/Updated at/).waitFor();
    expect(await booking(page, c).getByLabel('Reason').inputValue()).toBe('half-typed reason');
    await booking(page, c).getByRole('button', { name: 'Close' }).click();
    await booking(page, b).locator('[data-action="attended"]').click();
    await booking(page, b).locator('[data-action="correct"]').waitFor();
    await booking(page, c).locator('[data-action="no-show"]').click();
    await booking(page, c).locator('[data-action="correct"]').waitFor();
    await expectAccessible(page, 'day sheet');
    const statuses = await t.dataSource.query(
      `SELECT reference, status FROM booking WHERE slot_id = $1 ORDER BY reference`,
      [morning.id],
    );
    expect(
      Object.fromEntries(statuses.map((r: { reference: string; status: string }) => [r.reference, r.status])),
    ).toEqual({
      [a]: 'attended',
      [b]: 'attended',
      [c]: 'no_show',
    });

    // A patient phones: booked into this afternoon's free place.
    await showDay(page, localDate(later.startsAt));
    const laterSlot = page.locator(`article[data-slot="${later.id}"]`);
    await laterSlot.locator('[data-action="book-here"]').click();
    const phoneEmail = `phoned.${Date.now()}@example.nl`;
    await laterSlot.getByLabel('First name').fill('Pieter');
    await laterSlot.getByLabel('Last name').fill('Telefoon');
    await laterSlot.getByLabel('Email address').fill(phoneEmail);
    await laterSlot.getByLabel('Phone number').fill('06 2345 6789');
    await laterSlot.getByLabel('Date of birth', { exact: true }).fill('12-03-1961');
    await laterSlot.locator('[data-action="book-new"]').click();
    await page.getByText(/Booked: B12-/).waitFor();
    await laterSlot.getByText(/Pieter Telefoon/).waitFor();
    const [phoned] = await t.dataSource.query(
      `SELECT b.source, b.slot_id AS "slotId" FROM booking b JOIN patient p ON p.id = b.patient_id WHERE p.email = $1`,
      [phoneEmail],
    );
    expect(phoned).toEqual({ source: 'staff', slotId: later.id });
    await smtp.waitFor(1, to(phoneEmail));

    // Another is moved to tomorrow; then a lost confirmation is sent again. The form first
    // asks for today's free times; that answer comes late, after tomorrow's, and must not
    // replace them (as it once did: no free time shown, the move impossible).
    const row = booking(page, moving.json.reference);
    let lateAnswer!: Promise<void>;
    const todays = `**/api/v1/admin/slots?from=${localDate(new Date())}&*`;
    await page.route(todays, (route) => {
      lateAnswer = new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => route.continue());
      return lateAnswer;
    });
    await row.locator('[data-action="move"]').click();
    await row.getByLabel('Day of the new time').fill(localDate(tomorrow.startsAt));
    await row.getByLabel('New time', { exact: true }).waitFor();
    await lateAnswer;
    await page.unroute(todays);
    await page.waitForTimeout(200);
    expect(await row.getByLabel('New time', { exact: true }).inputValue()).toBe(tomorrow.id);
    await row.locator('[data-action="confirm-move"]').click();
    await page.locator(`li[data-booking="${moving.json.reference}"]`).waitFor({ state: 'detached' });
    expect(
      (await t.dataSource.query(`SELECT slot_id FROM booking WHERE id = $1`, [moving.json.id]))[0].slot_id,
    ).toBe(tomorrow.id);
    await smtp.waitFor(1, (m) => to(movingEmail)(m) && subject(/moved|verzet/)(m));
    await showDay(page, localDate(tomorrow.startsAt));
    await booking(page, moving.json.reference).locator('[data-action="resend"]').click();
    await booking(page, moving.json.reference).getByText('The confirmation is on its way').waitFor();
    await smtp.waitFor(2, (m) => to(movingEmail)(m) && subject(/booked/)(m));

    // A receptionist finds a patient but has no erasure; changes their own password.
    await page.locator('[data-screen="patients"]').click();
    await page.getByLabel(/Find a patient/).fill('Telefoon');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`[data-patient="${phoneEmail}"]`).click();
    await page.getByRole('heading', { name: 'Pieter Telefoon' }).waitFor();
    expect(await page.locator('[data-action="erase"]').count()).toBe(0);
    await expectAccessible(page, 'patient');
    await page.locator('[data-screen="account"]').click();
    await page.getByLabel('Current password').waitFor();
    await expectAccessible(page, 'own password');
    await page.getByLabel('Current password').fill(receptionist.password);
    await page.getByLabel(/New password/).fill('another long passphrase here');
    await page.locator('[data-action="own-password"]').click();
    await page.getByText('Updated.').waitFor();
    const relogin = await t.http.post('/api/v1/auth/login', {
      email: receptionist.email,
      password: 'another long passphrase here',
    });
    expect(relogin.status).toBe(200);
    await page.locator('[data-screen="today"]').click();
    await page.getByText(/Updated at/).waitFor();

    // The account is deactivated: the open console is sent back to sign-in with the reason.
    const off = await t.http.patch(
      `/api/v1/admin/staff/${receptionist.staff.id}`,
      { active: false },
      { token: admin.token },
    );
    expect(off.status).toBe(200);
    await page.locator('[data-action="next-day"]').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText(/You were signed out/).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(problems()).toEqual([]);
    await context.close();
  });

  it('shows a wrong password in the staff language, and opens in STAFF_LOCALE (Dutch) by default', async () => {
    const { context, page } = await openPage(browser, { locale: 'en-GB' });
    await page.goto(`${t.url}/desk`);
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    await page.getByLabel('E-mailadres').fill('nobody@clinic.test');
    await page.getByLabel('Wachtwoord').fill('wrong password 123');
    await page.locator('[data-action="sign-in"]').click();
    await page.getByText('Het e-mailadres of wachtwoord klopt niet.').waitFor();
    await expectAccessible(page, 'sign-in refused');
    await context.close();
  });

  it('runs an admin’s tasks: a rota after its preview, a closure with cancellations, CSV, staff, a dead email', async () => {
    const admin = await signedInStaff(t, 'admin');
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/desk?lang=en`);
    await page.getByLabel('Email address').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.locator('[data-action="sign-in"]').click();
    await page.getByRole('heading', { name: /Day sheet/ }).waitFor();

    // A rota two weeks ahead: previewed, then created.
    const monday = (() => {
      const d = new Date(Date.now() + 14 * 86_400_000);
      d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
      return d.toISOString().slice(0, 10);
    })();
    const tuesday = new Date(new Date(`${monday}T12:00:00Z`).getTime() + 86_400_000)
      .toISOString()
      .slice(0, 10);
    await page.locator('[data-screen="slots"]').click();
    await page.getByLabel('From (date)').first().fill(monday);
    await page.getByLabel('To (date)').first().fill(tuesday);
    await page.getByLabel('Day starts (HH:MM)').fill('09:00');
    await page.getByLabel('Day ends (HH:MM)').fill('10:00');
    await page.getByLabel('Places per slot').fill('2');
    await page.locator('[data-action="rota-preview"]').click();
    await page.getByText('This rota would create 4 slots').waitFor();
    await expectAccessible(page, 'slots with a rota preview');
    const count = async () =>
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM slot WHERE (starts_at AT TIME ZONE 'Europe/Amsterdam')::date BETWEEN $1 AND $2`,
          [monday, tuesday],
        )
      )[0].n;
    expect(await count()).toBe(0);
    await page.locator('[data-action="rota-create"]').click();
    await page.getByText('4 slots created.').waitFor();
    expect(await count()).toBe(4);

    // Two patients book the Monday; the clinic closes that day for illness, cancelling them.
    const [mondaySlot] = await t.dataSource.query(
      `SELECT id FROM slot WHERE (starts_at AT TIME ZONE 'Europe/Amsterdam')::date = $1 ORDER BY starts_at LIMIT 1`,
      [monday],
    );
    const emails = [`ill.a.${Date.now()}@example.nl`, `ill.b.${Date.now()}@example.nl`];
    for (const email of emails) {
      expect((await t.http.post('/api/v1/bookings', bookingBody(mondaySlot.id, { email }))).status).toBe(201);
    }
    const closure = page.locator('form', { has: page.getByRole('heading', { name: 'Close the clinic' }) });
    await closure.getByLabel('From (date)').fill(monday);
    await closure.getByLabel('To (date)').fill(monday);
    await closure.getByLabel('Reason').fill('The nurse is ill');
    await closure.locator('[data-action="closure-check"]').click();
    await page.getByText('2 booked patients on these dates.').waitFor();
    await closure.locator('[data-action="closure-confirm"]').click();
    await page.getByText(/Closed: 2 slots, 2 bookings cancelled/).waitFor();
    for (const email of emails) await smtp.waitFor(1, (m) => to(email)(m) && subject(/cancel/)(m));

    // A Tuesday slot with a patient is cancelled on its own: the reason is asked for in a form
    // beside it (an empty one is refused there), which says who is emailed.
    const [lastTuesdaySlot] = await t.dataSource.query(
      `SELECT id FROM slot WHERE (starts_at AT TIME ZONE 'Europe/Amsterdam')::date = $1 ORDER BY starts_at DESC LIMIT 1`,
      [tuesday],
    );
    const tuesdayEmail = `tuesday.${Date.now()}@example.nl`;
    expect(
      (await t.http.post('/api/v1/bookings', bookingBody(lastTuesdaySlot.id, { email: tuesdayEmail })))
        .status,
    ).toBe(201);
    await page.getByRole('button', { name: 'Next week' }).click();
    await page.getByRole('button', { name: 'Next week' }).click();
    const slotItem = page.locator(`li[data-slot="${lastTuesdaySlot.id}"]`);
    await slotItem.getByText(/1 of 2 booked/).waitFor();
    await slotItem.locator('[data-action="cancel-slot"]').click();
    const reason = slotItem.getByLabel(/Reason for cancelling the slot/);
    await reason.waitFor();
    await slotItem.getByText('Each of its 1 booked patients is emailed.').waitFor();
    await slotItem.locator('[data-action="confirm-cancel-slot"]').click();
    await slotItem.getByRole('alert').getByText('Please check: reason.').waitFor();
    expect(await reason.getAttribute('aria-describedby')).toContain(
      `slot-reason-${lastTuesdaySlot.id}-error`,
    );
    await expectAccessible(page, 'a slot’s cancellation form, refused');
    await reason.fill('The machine is broken');
    await slotItem.locator('[data-action="confirm-cancel-slot"]').click();
    await slotItem.getByText(/cancelled/).waitFor();
    expect(
      (await t.dataSource.query(`SELECT status FROM slot WHERE id = $1`, [lastTuesdaySlot.id]))[0].status,
    ).toBe('cancelled');
    const [tuesdayMail] = await smtp.waitFor(1, (m) => to(tuesdayEmail)(m) && subject(/cancel/)(m));
    expect(tuesdayMail.text).toContain('The machine is broken');

    // The week's bookings as CSV.
    await page.locator('[data-screen="bookings"]').click();
    await page.getByLabel('From (date)').fill(monday);
    await page.getByLabel('To (date)').fill(tuesday);
    await page.getByRole('button', { name: 'Show' }).click();
    // The two cancelled by the closure and the one with its slot.
    await page.getByText('3 bookings').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-action="csv"]').click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(4);
    await expectAccessible(page, 'bookings');

    // A patient's record: corrected, exported, then erased (admins only) after naming them.
    await page.locator('[data-screen="patients"]').click();
    await page.getByLabel(/Find a patient/).fill(emails[0]);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`[data-patient="${emails[0]}"]`).click();
    await page.getByLabel('Phone number').fill('06 3456 7890');
    await page.locator('[data-action="save-patient"]').click();
    await page.getByText('Updated.').waitFor();
    const [record] = await t.dataSource.query(`SELECT id, phone FROM patient WHERE email = $1`, [emails[0]]);
    expect(record.phone).toBe('+31634567890');
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-action="export-patient"]').click(),
    ]);
    expect(await readFile((await exported.path())!, 'utf8')).toContain(emails[0]);
    await page.locator('[data-action="erase"]').click();
    await page
      .getByRole('alertdialog')
      .getByText(/Erase every personal detail of Anna de Vries/)
      .waitFor();
    await expectAccessible(page, 'erasure confirmation');
    await page.locator('[data-action="erase-confirm"]').click();
    await page.getByText('The patient’s personal data is erased.').waitFor();
    const [{ erased_at }] = await t.dataSource.query(`SELECT erased_at FROM patient WHERE id = $1`, [
      record.id,
    ]);
    expect(erased_at).not.toBeNull();

    // A receptionist added, then deactivated.
    await page.locator('[data-screen="staff"]').click();
    const newcomer = `newcomer.${Date.now()}@clinic.test`;
    const addForm = page.locator('form', { has: page.getByRole('heading', { name: 'Add a staff member' }) });
    await addForm.getByLabel('Email address').fill(newcomer);
    await addForm.getByLabel(/New password/).fill('a long and unusual passphrase');
    await addForm.locator('[data-action="add-staff"]').click();
    const account = page.locator(`li[data-staff="${newcomer}"]`);
    await account.waitFor();
    await account.locator('[data-action="toggle-active"]').click();
    await account.getByText('Deactivated').waitFor();
    await expectAccessible(page, 'staff');
    const [{ active }] = await t.dataSource.query(`SELECT active FROM staff WHERE email = $1`, [newcomer]);
    expect(active).toBe(false);

    // A dead email, sent again: a Tuesday booking's confirmation, as if the server had refused it.
    const [tuesdaySlot] = await t.dataSource.query(
      `SELECT id FROM slot WHERE (starts_at AT TIME ZONE 'Europe/Amsterdam')::date = $1 ORDER BY starts_at LIMIT 1`,
      [tuesday],
    );
    const bounced = `bounced.${Date.now()}@example.nl`;
    const tuesdayBooking = await t.http.post(
      '/api/v1/bookings',
      bookingBody(tuesdaySlot.id, { email: bounced }),
    );
    await smtp.waitFor(1, to(bounced));
    await eventually(async () =>
      expect(
        (
          await t.dataSource.query(
            `SELECT status FROM notification WHERE booking_id = $1 AND kind = 'booking_confirmed'`,
            [tuesdayBooking.json.id],
          )
        )[0].status,
      ).toBe('sent'),
    );
    // (UPDATE … RETURNING answers [rows, count] through TypeORM.)
    const [[dead]] = await t.dataSource.query(
      `UPDATE notification SET status = 'dead', last_error = '550 mailbox unavailable'
       WHERE booking_id = $1 AND kind = 'booking_confirmed' RETURNING id`,
      [tuesdayBooking.json.id],
    );
    await page.locator('[data-screen="outbox"]').click();
    const row = page.locator(`li[data-notification="${dead.id}"]`);
    await row.getByText('550 mailbox unavailable').waitFor();
    await expectAccessible(page, 'outbox');
    await row.locator('[data-action="retry"]').click();
    await page.getByText('Queued to be sent again.').waitFor();
    const [{ status }] = await t.dataSource.query(`SELECT status FROM notification WHERE id = $1`, [dead.id]);
    expect(['pending', 'sent']).toContain(status);
    expect(problems()).toEqual([]);
    await context.close();
  });
});
