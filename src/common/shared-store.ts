import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type pino from 'pino';

/** Injection token of the app's SharedStore (created with the HTTP adapter, see app.factory.ts). */
export const SHARED_STORE = Symbol('SHARED_STORE');

/** Every key the service writes to Redis starts with this. */
export const KEY_PREFIX = 'clinic-booking:';

/** A key part that names no one: client addresses and staff emails are hashed. */
export const keyPart = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 22);

/**
 * Where limits are counted so that every instance shares them: Redis at REDIS_URL. Without it,
 * `run` always answers undefined and each limit counts in memory, per instance, as before.
 *
 * While Redis is unreachable (not connected, or a command fails or takes over 500 ms), `run`
 * answers undefined at once, so the caller counts in memory and the request is served; the log
 * says so once per outage, and again once when Redis is back. The client reconnects by itself.
 */
export class SharedStore {
  readonly redis?: Redis;
  private down = false;

  constructor(
    url: string | undefined,
    private readonly logger: pino.Logger,
  ) {
    if (!url) return;
    this.redis = new Redis(url, {
      // A command while disconnected fails at once (the caller falls back), never queues.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(100 * times, 2_000),
    });
    this.redis.on('error', (error: Error) => this.wentDown(error));
    this.redis.on('ready', () => this.cameBack());
  }

  /** `work` against Redis, or undefined when there is no Redis or it is unreachable. */
  async run<T>(work: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.redis) return undefined;
    if (this.redis.status !== 'ready') {
      this.wentDown(new Error(`not connected (${this.redis.status})`));
      return undefined;
    }
    try {
      return await work(this.redis);
    } catch (error) {
      this.wentDown(error as Error);
      return undefined;
    }
  }

  close(): void {
    this.redis?.disconnect(false);
  }

  private wentDown(error: Error): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { err: error.message },
      'Redis is unreachable: rate limits and sign-in lock-outs count per instance until it is back',
    );
  }

  private cameBack(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('Redis is back: rate limits and sign-in lock-outs are shared by every instance again');
  }
}

/** Makes the app's SharedStore injectable everywhere (SHARED_STORE) and closes it with the app. */
@Global()
@Module({})
export class SharedStoreModule implements OnApplicationShutdown {
  constructor(@Inject(SHARED_STORE) private readonly store: SharedStore) {}

  static register(store: SharedStore): DynamicModule {
    return {
      module: SharedStoreModule,
      providers: [{ provide: SHARED_STORE, useValue: store }],
      exports: [SHARED_STORE],
    };
  }

  onApplicationShutdown(): void {
    this.store.close();
  }
}
