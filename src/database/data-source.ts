/**
 * The data source the TypeORM CLI loads (`npm run migration:*`). With DATABASE_URL it uses
 * that server; without, it starts the same embedded PostgreSQL `npm start` uses, so that
 * generating a migration needs no set-up either.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { dataSourceOptions } from './data-source.options';
import { startEmbeddedPostgres } from './embedded-postgres';

async function cliDataSource(): Promise<DataSource> {
  const config = loadConfig();
  let url = config.databaseUrl;
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.dataDir);
    process.once('exit', () => void embedded.stop());
    url = embedded.url;
  }
  return new DataSource(dataSourceOptions(url, { poolSize: 2, applicationName: 'clinic-booking-cli' }));
}

export default cliDataSource();
