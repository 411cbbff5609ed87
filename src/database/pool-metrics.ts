import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { Metrics } from '../common/metrics';

/** This instance's database pool in the metrics: connections in use and idle, and queries waiting. */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const pool = () => (this.dataSource.driver as unknown as { master: Pool }).master;
    this.metrics.gauge(
      'clinic_db_pool_connections',
      "Connections of this instance's database pool, by state (used, idle)",
      ['state'],
      () => [
        { labels: { state: 'used' }, value: pool().totalCount - pool().idleCount },
        { labels: { state: 'idle' }, value: pool().idleCount },
      ],
    );
    this.metrics.gauge(
      'clinic_db_pool_waiting',
      "Queries waiting for a free connection of this instance's database pool",
      [],
      () => [{ labels: {}, value: pool().waitingCount }],
    );
  }
}
