import { join } from 'node:path';
import { types } from 'pg';
import type { DataSourceOptions } from 'typeorm';

const ROOT = join(__dirname, '..', '..');

// A `date` (a date of birth) is a calendar date, not an instant: keep it as 'YYYY-MM-DD' instead
// of pg's local-midnight Date, which shifts by a day in a process west of UTC.
types.setTypeParser(types.builtins.DATE, (value) => value);

/**
 * The one definition of how to reach the database, used by the app (through @nestjs/typeorm),
 * by the TypeORM CLI (./data-source.ts) and by the tests. `synchronize` stays off: the schema
 * changes only through migrations/.
 */
export function dataSourceOptions(
  url: string,
  overrides: { poolSize?: number; applicationName?: string } = {},
) {
  const poolSize = overrides.poolSize ?? 20;
  return {
    type: 'postgres',
    url,
    entities: [join(ROOT, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(ROOT, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // Extensions come from migrations, never from TypeORM at connect time.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    poolSize,
    applicationName: overrides.applicationName ?? 'clinic-booking',
    extra: {
      // Fail fast instead of queueing forever when the database is gone.
      connectionTimeoutMillis: 5_000,
      // A connection once opened stays open (a fixed-size pool): a rush after a quiet spell,
      // such as a newsletter going out, then does not first wait for up to poolSize
      // connections to be opened and authenticated. The idle timeout applies above `min` only.
      min: poolSize,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
    },
  } satisfies DataSourceOptions;
}
