import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.options';
import { runMigrationsLocked } from '../../src/database/migrate';
import { testEnv, withDatabase } from './test-env';

const TEMPLATE_LOCK = 7_345_001;

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testEnv('adminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Name of a new database for this run (`cb_<run>_<label>_<random>`). */
export function newDatabaseName(label = 'db'): string {
  return `cb_${testEnv('runId')}_${label
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toLowerCase()}_${randomBytes(3).toString('hex')}`;
}

/** An empty database (no schema at all), e.g. to watch migrations run. */
export async function createEmptyDatabase(label?: string): Promise<string> {
  const name = newDatabaseName(label);
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  return withDatabase(testEnv('adminUrl'), name);
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * A database of its own for a test file, cloned from this run's migrated template. The first
 * file to ask builds the template (under an advisory lock, so the others wait for it).
 */
export async function createTestDatabase(label?: string): Promise<string> {
  const template = `cb_${testEnv('runId')}_template`;
  await withAdmin(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (!rowCount) {
        await client.query(`CREATE DATABASE "${template}"`);
        const dataSource = await new DataSource(
          dataSourceOptions(withDatabase(testEnv('adminUrl'), template), { poolSize: 2 }),
        ).initialize();
        try {
          await runMigrationsLocked(dataSource);
        } finally {
          await dataSource.destroy();
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  const name = newDatabaseName(label);
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return withDatabase(testEnv('adminUrl'), name);
}
