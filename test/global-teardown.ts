import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import type { EmbeddedDatabase } from '../src/database/embedded-postgres';
import { TEST_ENV } from './support/test-env';

export default async function globalTeardown(): Promise<void> {
  await rm(process.env[TEST_ENV.pagesDir] ?? '/nonexistent', { recursive: true, force: true });
  const embedded = (globalThis as { __embeddedPostgres?: EmbeddedDatabase }).__embeddedPostgres;
  if (embedded) {
    await embedded.stop();
    await rm(process.env[TEST_ENV.embeddedDir]!, { recursive: true, force: true });
    return;
  }
  // On a shared server, leave nothing of this run behind.
  const client = new Client({ connectionString: process.env[TEST_ENV.adminUrl] });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`cb_${process.env[TEST_ENV.runId]}_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
