import type { DataSource } from 'typeorm';

/** Any constant shared by every instance; "clinic-b" in ASCII. */
export const MIGRATION_LOCK_KEY = 0x636c696e69632d62n;

/**
 * Applies pending migrations while holding a session-level advisory lock, so instances that
 * start together take turns: the first applies, the others find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    await runner.release();
  }
}
