import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { TEST_ENV } from './support/test-env';

/**
 * One PostgreSQL for the whole run: DATABASE_URL's server when given (each test file then
 * gets a database of its own on it), otherwise an embedded one in a temporary folder.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  if (!process.env.REDIS_URL) {
    // Said here, where Jest does not hold the output back: a skipped file's own line is easy to miss.
    process.stderr.write(
      '\n*** SKIPPED: test/shared-limits.e2e-spec.ts (limits shared through Redis) needs Redis. ' +
        'Set REDIS_URL, e.g. redis://127.0.0.1:6379, to run it; .ci/run does. ***\n\n',
    );
  }
  // The patient pages, as `npm run build` builds them, into a folder of this run's (a test
  // that runs `npm start` rebuilds dist meanwhile).
  const { buildPages } = await import('../src/pages/build.mjs');
  const pagesDir = await mkdtemp(join(tmpdir(), 'clinic-booking-pages-'));
  await buildPages(pagesDir);
  process.env[TEST_ENV.pagesDir] = pagesDir;
  process.env[TEST_ENV.runId] = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const external = process.env.DATABASE_URL;
  if (external) {
    process.env[TEST_ENV.adminUrl] = external;
    delete process.env.DATABASE_URL; // tests pass their own per-file URL explicitly
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'clinic-booking-test-'));
  const embedded = await startEmbeddedPostgres(dir, { fast: true });
  process.env[TEST_ENV.adminUrl] = embedded.url;
  process.env[TEST_ENV.embeddedDir] = dir;
  (globalThis as { __embeddedPostgres?: typeof embedded }).__embeddedPostgres = embedded;
}
