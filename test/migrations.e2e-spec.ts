import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.options';
import { startTestApp } from './support/app';
import { createEmptyDatabase, createTestDatabase } from './support/database';
import { expectProblem } from './support/http';

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await new DataSource(dataSourceOptions(url, { poolSize: 4 })).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** The SQL TypeORM would run to make the database match the entities: none means no drift. */
async function drift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}

async function publicTables(dataSource: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe('migrations', () => {
  it('agree with the entities (no drift)', async () => {
    const url = await createTestDatabase('drift');
    await withDataSource(url, async (dataSource) => {
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await drift(dataSource)).toEqual([]);
    });
  });

  it('all go down, and up again to the same schema', async () => {
    const url = await createTestDatabase('downup');
    await withDataSource(url, async (dataSource) => {
      for (let i = 0; i < dataSource.migrations.length; i++)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await publicTables(dataSource)).toEqual(['typeorm_migrations']);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied).toHaveLength(dataSource.migrations.length);
      expect(await drift(dataSource)).toEqual([]);
    });
  });

  it('run once when three instances start at the same moment on an empty database', async () => {
    const url = await createEmptyDatabase('threestarts');
    const apps = await Promise.all([1, 2, 3].map(() => startTestApp({ DATABASE_URL: url })));
    try {
      for (const app of apps) expect((await app.http.get('/health/ready')).status).toBe(200);
      const rows: { name: string; count: string }[] = await apps[0].dataSource.query(
        'SELECT name, count(*) FROM typeorm_migrations GROUP BY name',
      );
      expect(rows).toHaveLength(apps[0].dataSource.migrations.length);
      expect(rows.every((row) => row.count === '1')).toBe(true);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});

describe('health', () => {
  it('is live, and ready only while the database answers and no migration is pending', async () => {
    const t = await startTestApp();
    try {
      expect(await t.http.get('/health').then((r) => [r.status, r.json])).toEqual([200, { status: 'ok' }]);
      expect(await t.http.get('/health/ready').then((r) => [r.status, r.json])).toEqual([
        200,
        { status: 'ok' },
      ]);

      await t.dataSource.undoLastMigration();
      const pending = expectProblem(await t.http.get('/health/ready'), 503);
      expect(pending.detail).toMatch(/migrations are pending/);

      await t.dataSource.runMigrations();
      expect((await t.http.get('/health/ready')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
