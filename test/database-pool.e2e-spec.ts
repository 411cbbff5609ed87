import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { startTestApp, TestApp } from './support/app';

describe('the database pool', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '4' });
  });
  afterAll(() => t.close());

  it('keeps the connections a rush opened, however long it then stays idle', async () => {
    const pool = (t.dataSource.driver as PostgresDriver).master as Pool & {
      options: { idleTimeoutMillis: number };
    };
    // The app's idle timeout (30 s), shortened so that the test need not wait for it.
    pool.options.idleTimeoutMillis = 50;
    await Promise.all(Array.from({ length: 4 }, () => t.dataSource.query('SELECT pg_sleep(0.1)')));
    expect(pool.totalCount).toBe(4);

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pool.totalCount).toBe(4);
    expect(pool.idleCount).toBe(4);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'`,
    );
    expect(n).toBeGreaterThanOrEqual(3);
  });
});
