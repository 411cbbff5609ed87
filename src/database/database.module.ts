import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { dataSourceOptions } from './data-source.options';
import { runMigrationsLocked } from './migrate';
import { PoolMetrics } from './pool-metrics';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('DatabaseModule needs config.databaseUrl (set by main.ts)');
        const { entities: _entities, ...options } = dataSourceOptions(config.databaseUrl, {
          poolSize: config.databasePoolSize,
        });
        return { ...options, autoLoadEntities: true, retryAttempts: 3, retryDelay: 1000 };
      },
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        const applied = await runMigrationsLocked(dataSource);
        const logger = new Logger('Database');
        if (applied.length > 0) logger.log({ migrations: applied }, `applied ${applied.length} migration(s)`);
        return dataSource;
      },
    }),
  ],
  providers: [PoolMetrics],
})
export class DatabaseModule {}
