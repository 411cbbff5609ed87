import { ExecutionContext, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../config/config';

/**
 * RATE_LIMIT_PER_MINUTE requests per client address per minute (0: off). The address is the
 * socket's, or X-Forwarded-For's only when TRUST_PROXY says a proxy is in front. Counted in
 * memory, per instance.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => ({
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
    return `${throttlerName}:${tracker}`;
  }
}

/** Public endpoints: rate-limited per client address. */
export function RateLimited() {
  return applyDecorators(
    UseGuards(PublicThrottlerGuard),
    ApiTooManyRequestsResponse({ description: 'Rate limited (problem+json); see Retry-After' }),
  );
}
