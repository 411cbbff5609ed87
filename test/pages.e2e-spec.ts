import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Browser, Frame, Page } from 'playwright-core';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { axeViolations, focusReaches, launchBrowser, openPage, tabTo } from './support/browser';
import { daysFromNow, newSlot } from './support/factories';
import { subject, to } from './support/mail';
import { startSmtpServer, TestSmtpServer } from './support/smtp';
import { STRINGS } from '../src/pages/strings';

/** The English words of the pages that differ from the Dutch ones: none may show on a Dutch page. */
const ENGLISH = Object.entries(STRINGS.en)
  .filter(
    ([key, text]) =>
      !key.startsWith('lang.') && STRINGS.nl[key as keyof typeof STRINGS.nl] !== text && !text.includes('{'),
  )
  .map(([, text]) => text);
const englishOn = async (page: Page) => {
  const text = await page.locator('body').innerText();
  return ENGLISH.filter((words) => text.includes(words));
};

const PHONE = '+31 20 123 4567';

/** The path and fragment of a link in an email (the test app does not run at PUBLIC_BASE_URL). */
const manageLink = (text: string) => /\/manage\/B12-\w+\?lang=\w\w#token=[\w-]+/.exec(text)![0];

describe('the patient pages, in a real browser', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let host: Server;
  let hostOrigin: string;
  let staffToken: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    // The clinic's own website, on another origin, for the embed.
    host = createServer((request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(
        `<!doctype html><html lang="en"><head><title>Clinic</title></head><body><h1>Our clinic</h1>` +
          `<script src="${t.url}/embed.js" data-lang="en" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
    smtp = await startSmtpServer();
    [t, browser] = await Promise.all([
      startTestApp(
        {
          SMTP_URL: smtp.url,
          NOTIFICATION_POLL_MS: '50',
          BOOKING_MIN_NOTICE_MINUTES: '60',
          CANCELLATION_DEADLINE_HOURS: '24',
          BOOKING_HORIZON_DAYS: '90',
          CLINIC_PHONE: PHONE,
          EMBED_ORIGINS: hostOrigin,
          PRIVACY_NOTICE_URL: 'https://clinic.example/privacy',
        },
        { logLines },
      ),
      launchBrowser(),
    ]);
    staffToken = (await signedInStaff(t)).token;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
    host?.close();
  });

  const staffView = async (reference: string) =>
    (await t.http.get(`/api/v1/admin/bookings?q=${reference}`, { token: staffToken })).json.data[0];

  async function expectAccessible(page: Page | Frame, state: string) {
    const violations = await axeViolations(
      'mainFrame' in page ? page : (page.page() as Page),
      'mainFrame' in page ? undefined : page,
    );
    expect({ state, violations }).toEqual({ state, violations: [] });
  }

  it('books in Dutch by keyboard alone; the emailed link manages it: reschedule, then cancel', async () => {
    const first = await newSlot(t.dataSource, { startsAt: daysFromNow(10, 8 * 60), capacity: 2 });
    const later = await newSlot(t.dataSource, { startsAt: daysFromNow(11, 9 * 60), capacity: 1 });
    const { context, page, problems } = await openPage(browser, { locale: 'nl-NL' });
    await page.goto(`${t.url}/book`);
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    await page.getByRole('heading', { name: 'Kies een dag' }).waitFor();
    await page.locator('button.day').first().waitFor();
    await expectAccessible(page, 'calendar');

    await tabTo(page, 'button.day');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Kies een tijd op/ }).waitFor();
    await expectAccessible(page, 'times');
    await tabTo(page, 'button.time');
    await page.keyboard.press('Enter');

    // Sent empty first: each refusal in Dutch, next to its field, and summed up.
    await page.getByRole('heading', { name: 'Uw gegevens' }).waitFor();
    await tabTo(page, '[data-action="continue"]');
    await page.keyboard.press('Enter');
    await page.locator('#f-firstName-error').waitFor();
    expect(await page.locator('#f-firstName-error').innerText()).toBe('Vul dit in.');
    expect(await page.locator('#f-consent-error').innerText()).toContain('privacyverklaring');
    await focusReaches(page, 'f-firstName');
    await expectAccessible(page, 'form with errors');
    expect(await englishOn(page)).toEqual([]);

    const email = `toetsenbord.${Date.now()}@example.nl`;
    await page.keyboard.type('Fleur');
    await page.keyboard.press('Tab');
    await page.keyboard.type('van Dijk');
    await page.keyboard.press('Tab');
    await page.keyboard.type('geen-adres');
    await page.keyboard.press('Tab');
    await page.keyboard.type('06 1234 5678');
    await page.keyboard.press('Tab');
    await page.keyboard.type('17-05-1980');
    await tabTo(page, '#f-consent');
    await page.keyboard.press('Space');
    await tabTo(page, '[data-action="continue"]');
    await page.keyboard.press('Enter');
    expect(await page.locator('#f-email-error').innerText()).toContain('geldig e-mailadres');
    // Focus goes to the first field to correct.
    await focusReaches(page, 'f-email');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(email);
    await tabTo(page, '[data-action="continue"]');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Controleer en bevestig' }).waitFor();
    expect(await page.locator('dl').innerText()).toContain('1980-05-17');
    await expectAccessible(page, 'summary');
    expect(await englishOn(page)).toEqual([]);
    await tabTo(page, '[data-action="confirm"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Uw afspraak is geboekt' }).waitFor();
    const done = await page.locator('main').innerText();
    const reference = /B12-[A-Z0-9]{6}/.exec(done)![0];
    expect(done).toContain(email);
    await expectAccessible(page, 'confirmation');
    expect(await staffView(reference)).toMatchObject({ status: 'booked', slot: { id: first.id } });

    // The link in the confirmation email opens the booking; the token leaves the address bar.
    const [mail] = await smtp.waitFor(1, to(email));
    const link = manageLink(mail.text!);
    const token = link.split('#token=')[1];
    await page.goto(`${t.url}${link}`);
    await page.locator('dd.chosen').waitFor();
    expect(page.url()).not.toContain('token');
    expect(await page.locator('main').innerText()).toContain('U kunt tot');
    await expectAccessible(page, 'manage');

    await tabTo(page, '[data-action="reschedule"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Kies een nieuwe tijd' }).waitFor();
    await page.locator('button.day').first().waitFor();
    const laterDate = daysFromNow(11, 0).toISOString().slice(0, 10);
    await tabTo(page, `button.day[data-date="${laterDate}"]`);
    await page.keyboard.press('Enter');
    await page.locator('button.time').first().waitFor();
    await tabTo(page, 'button.time');
    await page.keyboard.press('Enter');
    await tabTo(page, '[data-action="reschedule-confirm"]');
    await page.keyboard.press('Enter');
    await page.getByText(/Uw afspraak is verzet naar/).waitFor();
    expect(await staffView(reference)).toMatchObject({ status: 'booked', slot: { id: later.id } });

    await tabTo(page, '[data-action="cancel"]');
    await page.keyboard.press('Enter');
    await tabTo(page, '#reason');
    await page.keyboard.type('Ik ben verhinderd');
    await tabTo(page, '[data-action="cancel-confirm"]');
    await page.keyboard.press('Enter');
    await page.getByText(/Uw afspraak is geannuleerd/).waitFor();
    await expectAccessible(page, 'cancelled');
    expect(await englishOn(page)).toEqual([]);
    // The language switch: the same page in English.
    await tabTo(page, 'a.lang');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lang=en/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await staffView(reference)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Ik ben verhinderd',
    });

    expect(problems()).toEqual([]);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(token))).toEqual([]);
    await context.close();
  });

  it('fits a 320 px wide screen (or 200% zoom) without scrolling sideways', async () => {
    await newSlot(t.dataSource, { startsAt: daysFromNow(14, 8 * 60), capacity: 2 });
    const { context, page } = await openPage(browser, { width: 320 });
    const sideways = () =>
      page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await page.goto(`${t.url}/book`);
    await page.locator('button.day').first().waitFor();
    expect(await sideways()).toBe(0);
    await page.locator('button.day').first().click();
    await page.locator('button.time').first().click();
    await page.locator('[data-action="continue"]').click();
    await page.locator('#f-firstName-error').waitFor();
    expect(await sideways()).toBe(0);
    await expectAccessible(page, 'form with errors at 320 px');
    await context.close();
  });

  it('says plainly when a link no longer works, and offers new links', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/manage/B12-ZZZZZZ#token=not-a-real-token`);
    await page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    expect(page.url()).not.toContain('token');
    await expectAccessible(page, 'link gone');
    await page.getByLabel('Email address').fill('someone@example.nl');
    await page.getByLabel('Date of birth').fill('1980-05-17');
    await page.getByRole('button', { name: 'Email me my links' }).click();
    await page.getByText('If we know you, an email is on its way').waitFor();
    expect(problems()).toEqual([]);
    await context.close();
  });

  it('past the deadline, shows the booking and the clinic’s phone instead of changes', async () => {
    const soon = await newSlot(t.dataSource, { startsAt: new Date(Date.now() + 5 * 3600_000), capacity: 1 });
    const booking = await t.http.post('/api/v1/bookings', {
      slotId: soon.id,
      patient: {
        firstName: 'Late',
        lastName: 'Comer',
        email: 'late@example.nl',
        phone: '06 1234 5678',
        dateOfBirth: '1970-01-01',
      },
      consent: true,
    });
    expect(booking.status).toBe(201);
    const { context, page } = await openPage(browser);
    await page.goto(`${t.url}/manage/${booking.json.reference}#token=${booking.json.manageToken}`);
    await page.getByText('It is too late to change this appointment online.').waitFor();
    expect(await page.locator('main').innerText()).toContain(PHONE);
    expect(await page.locator('[data-action="cancel"]').count()).toBe(0);
    await context.close();
  });

  it('gives the last place to one of two browsers; the other is told and sees fresh times', async () => {
    const last = await newSlot(t.dataSource, { startsAt: daysFromNow(30, 8 * 60), capacity: 1 });
    const day = daysFromNow(30, 0).toISOString().slice(0, 10);
    const visitors = await Promise.all([openPage(browser), openPage(browser)]);
    await Promise.all(
      visitors.map(async ({ page }, i) => {
        await page.goto(`${t.url}/book?lang=en`);
        await page.locator('.calendar[aria-busy="false"]').waitFor();
        // The slot's day is within the calendar's first five weeks.
        await page.locator(`button.day[data-date="${day}"]`).click();
        await page.locator('button.time').first().click();
        await page.getByLabel('First name').fill('Race');
        await page.getByLabel('Last name').fill(`Runner ${'AB'[i]}`);
        await page.getByLabel('Email address').fill(`race.${i}.${Date.now()}@example.nl`);
        await page.getByLabel('Phone number').fill('06 1234 5678');
        await page.getByLabel('Date of birth').fill(`01-01-198${i}`);
        await page.locator('#f-consent').check();
        await page.locator('[data-action="continue"]').click();
        await page.locator('[data-action="confirm"]').waitFor();
      }),
    );
    await Promise.all(visitors.map(({ page }) => page.locator('[data-action="confirm"]').click()));
    const outcomes = await Promise.all(
      visitors.map(({ page }) =>
        Promise.race([
          page
            .getByRole('heading', { name: 'Your appointment is booked' })
            .waitFor()
            .then(() => 'booked'),
          page
            .getByText('Sorry, this time was just taken')
            .waitFor()
            .then(() => 'refused'),
        ]),
      ),
    );
    expect([...outcomes].sort()).toEqual(['booked', 'refused']);
    const loser = visitors[outcomes.indexOf('refused')].page;
    await loser.getByText('No free times are left on this day').waitFor();
    await expectAccessible(loser, 'refused, fresh times');
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM booking WHERE slot_id = $1 AND status = 'booked'`,
      [last.id],
    );
    expect(n).toBe(1);
    for (const visitor of visitors) {
      expect(visitor.problems()).toEqual([]);
      await visitor.context.close();
    }
  });

  it('books in English through the embed on the clinic’s own site, which resizes to it', async () => {
    await newSlot(t.dataSource, { startsAt: daysFromNow(12, 8 * 60), capacity: 3 });
    await newSlot(t.dataSource, { startsAt: daysFromNow(12, 10 * 60), capacity: 3 });
    const { context, page, problems } = await openPage(browser, { locale: 'nl-NL' });
    await page.goto(`${hostOrigin}/`);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('heading', { name: 'Choose a day' }).waitFor();
    const height = async () => (await page.locator('iframe').boundingBox())!.height;
    await frame.locator(`button.day[data-date="${daysFromNow(12, 0).toISOString().slice(0, 10)}"]`).click();
    await frame.locator('button.time').first().click();
    await frame.getByLabel('First name').first().waitFor();
    const email = `embedded.${Date.now()}@example.nl`;
    await frame.getByLabel('First name').fill('Emma');
    await frame.getByLabel('Last name').fill('Embed');
    await frame.getByLabel('Email address').fill(email);
    await frame.getByLabel('Phone number').fill('06 1234 5678');
    await frame.getByLabel('Date of birth').fill('03-02-1990');
    await frame.locator('#f-consent').check();
    await frame.locator('[data-action="continue"]').click();
    await frame.locator('[data-action="confirm"]').click();
    await frame.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
    const [mail] = await smtp.waitFor(1, (m) => to(email)(m) && subject(/booked/)(m));
    expect(mail.subject).toMatch(/^Your appointment/);
    const inner = page.frames().find((f) => f.url().includes('/book'))!;
    await expectAccessible(inner, 'embedded confirmation');
    // The frame grew to its content (the form is taller than the frame's first 480 px).
    expect(await height()).toBeGreaterThan(480);

    // The emailed link, in English: reschedule to the next free time, then cancel.
    await page.goto(`${t.url}${manageLink(mail.text!)}`);
    await page.getByRole('heading', { name: 'Your appointment' }).waitFor();
    const reference = /B12-\w{6}/.exec(mail.subject!)![0];
    await page.locator('[data-action="reschedule"]').click();
    // The same day, the later of its two times.
    await page.locator(`button.day[data-date="${daysFromNow(12, 0).toISOString().slice(0, 10)}"]`).click();
    await page.locator('button.time').last().click();
    await page.locator('[data-action="reschedule-confirm"]').click();
    await page.getByText(/Your appointment has moved to/).waitFor();
    await page.locator('[data-action="cancel"]').click();
    await page.locator('[data-action="cancel-confirm"]').click();
    await page.getByText(/Your appointment is cancelled/).waitFor();
    expect(await staffView(reference)).toMatchObject({ status: 'cancelled' });
    expect(problems()).toEqual([]);
    await context.close();
  });

  it('keeps within the page-weight budget, caches assets for ever, and frames only where allowed', async () => {
    for (const path of ['/book', '/manage/B12-AAAAAA', '/desk']) {
      const html = await t.http.get(path);
      const csp = html.headers.get('content-security-policy') as string;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain(
        path === '/book' ? `frame-ancestors 'self' ${hostOrigin}` : "frame-ancestors 'none'",
      );
      expect(html.headers.get('referrer-policy')).toBe('no-referrer');
      const assets = [...html.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets).toHaveLength(2);
      let gzipped = 0;
      for (const asset of assets) {
        const response = await t.http.get(asset);
        expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        gzipped += gzipSync(response.text).length;
      }
      expect(gzipped).toBeLessThanOrEqual(60 * 1024);
    }
    expect((await t.http.get('/assets/nothing-here.js')).status).toBe(404);
    const embed = await t.http.get('/embed.js');
    expect(embed.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });
});
