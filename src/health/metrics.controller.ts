import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { Metrics } from '../common/metrics';
import { APP_CONFIG, AppConfig } from '../config/config';

const digest = (text: string) => createHash('sha256').update(text).digest();

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  private readonly expected?: Buffer;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.metricsToken) this.expected = digest(`Bearer ${config.metricsToken}`);
  }

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: request durations, bookings, the outbox, the database pool, the process',
  })
  @ApiBearerAuth()
  @ApiOkResponse({ description: 'Prometheus text format', content: { 'text/plain': {} } })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and was not given (problem+json)' })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // Compared as digests, in constant time: the token's length and prefix stay unknown.
    if (this.expected && !timingSafeEqual(digest(authorization ?? ''), this.expected)) {
      throw new DomainError('unauthenticated', 'The metrics need the METRICS_TOKEN as a bearer token.');
    }
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
