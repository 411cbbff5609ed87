import type { Browser, Page } from 'playwright-core';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { axeViolations, launchBrowser, openPage } from './support/browser';
import { bookingBody, newSlot } from './support/factories';
import { subject, to } from './support/mail';
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

    await showDay(page, localDate(new Date(Date.now() - 30 * 60_000)));
    const [a, b, c] = patients.map((p) => p.json.reference as string);
    await booking(page, a).locator('[data-action="attended"]').click();
    await booking(page, a).getByText('Attended', { exact: true }).waitFor();
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

    // Another is moved to tomorrow; then a lost confirmation is sent again.
    const row = booking(page, moving.json.reference);
    await row.locator('[data-action="move"]').click();
    await row.getByLabel('Day of the new time').fill(localDate(tomorrow.startsAt));
    await row.getByLabel('New time', { exact: true }).waitFor();
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
});
