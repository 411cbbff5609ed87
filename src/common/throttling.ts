import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import {
  ExecutionContext,
  Injectable,
  OnApplicationShutdown,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import {
  ThrottlerGuard,
  ThrottlerModule,
  ThrottlerStorage,
  ThrottlerStorageService,
} from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../config/config';
import { KEY_PREFIX, keyPart, SHARED_STORE, SharedStore } from './shared-store';

/**
 * The throttler's counts: in Redis through the maintained storage adapter when REDIS_URL is
 * set (every instance shares them), in this instance's memory otherwise or while Redis is
 * unreachable (SharedStore).
 */
class SharedThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly local = new ThrottlerStorageService();
  private readonly redis?: ThrottlerStorageRedisService;

  constructor(private readonly store: SharedStore) {
    if (store.redis) this.redis = new ThrottlerStorageRedisService(store.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    const shared = await this.store.run(() =>
      this.redis!.increment(`${KEY_PREFIX}rate:${key}`, ttl, limit, blockDuration, throttlerName),
    );
    return shared ?? this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }
}

/**
 * RATE_LIMIT_PER_MINUTE requests per client address per minute (0: off). The address is the
 * socket's, or X-Forwarded-For's only when TRUST_PROXY says a proxy is in front. Counted in
 * Redis, shared by every instance, with REDIS_URL; otherwise in memory, per instance.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [APP_CONFIG, SHARED_STORE],
  useFactory: (config: AppConfig, store: SharedStore) => ({
    storage: new SharedThrottlerStorage(store),
    throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(config.rateLimitPerMinute, 1) }],
    skipIf: () => config.rateLimitPerMinute === 0,
    errorMessage:
      'Too many requests from this address. Please wait a moment (see Retry-After) and try again.',
  }),
});

/**
 * One budget per client address across all public endpoints (the stock guard keeps one per
 * route, which would let a client spend the budget once on each endpoint).
 */
@Injectable()
export class PublicThrottlerGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${keyPart(tracker)}`;
  }
}

/** Public endpoints: rate-limited per client address. */
export function RateLimited() {
  return applyDecorators(
    UseGuards(PublicThrottlerGuard),
    ApiTooManyRequestsResponse({ description: 'Rate limited (problem+json); see Retry-After' }),
  );
}
