import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * A real Chromium (the build inside the @sparticuz/chromium npm package: nothing is downloaded
 * from elsewhere), headless, one per test file and reused by its tests.
 */
export async function launchBrowser(): Promise<Browser> {
  // The package is an ES module that unpacks the browser on first use: asked in a plain Node
  // process (Jest's module system cannot load it), which answers where it is and its flags.
  const found = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(JSON.stringify({ path: await c.executablePath(), args: c.args }));",
    ],
    { encoding: 'utf8' },
  );
  const sparticuz = JSON.parse(found) as { path: string; args: string[] };
  return chromium.launch({
    executablePath: sparticuz.path,
    // Its serverless flags, less those that change what is being tested (web security, mixed
    // content) or that tie every page to one process (closing a context would end the browser).
    args: sparticuz.args.filter(
      (arg) =>
        !/^--(single-process|disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)$/.test(
          arg,
        ) && !arg.startsWith('--disable-features=AudioService'),
    ),
    headless: true,
  });
}

/**
 * A fresh context and page, collecting what the page reports: CSP violations (the console's
 * "Content Security Policy" refusals) and uncaught errors; `problems()` answers both.
 */
export async function openPage(
  browser: Browser,
  options: { locale?: string; width?: number } = {},
): Promise<{ context: BrowserContext; page: Page; problems: () => string[] }> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-GB',
    viewport: { width: options.width ?? 1000, height: 900 },
  });
  // A step that does not happen fails within seconds, saying which.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const found: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) found.push(message.text());
  });
  page.on('pageerror', (error) => found.push(`page error: ${error.message}`));
  return { context, page, problems: () => found };
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.x A and AA rules (2.2 included) on the page as it is: answers the
 * violations, described. Injected through the debugging protocol, which the page's CSP does
 * not govern (the page itself stays under its policy).
 */
export async function axeViolations(page: Page, frame = page.mainFrame()): Promise<string[]> {
  await frame.evaluate(AXE);
  const result = (await frame.evaluate(
    `axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`,
  )) as { violations: { id: string; nodes: { target: string[] }[] }[] };
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Presses Tab (at most `max` times) until the focused element matches `matches` (run in the
 * page on document.activeElement): how a keyboard user reaches a control.
 */
export async function tabTo(page: Page, matches: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate(
      `!!document.activeElement && document.activeElement.matches(${JSON.stringify(matches)})`,
    );
    if (found) return;
  }
  throw new Error(`no element matching ${matches} reached by Tab`);
}

/** Waits (up to 5 s) until the element with this id has the focus. */
export async function focusReaches(page: Page, id: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await page.evaluate('document.activeElement && document.activeElement.id')) !== id) {
    if (Date.now() > deadline) throw new Error(`focus did not reach #${id}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
