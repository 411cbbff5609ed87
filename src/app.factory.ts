import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type pino from 'pino';
import { AppModule } from './app.module';
import { BODY_LIMIT_BYTES, isPublicRoute, setupApp } from './app.setup';
import { createHttpAdapter } from './common/http-server';
import { SharedStore } from './common/shared-store';
import type { AppConfig } from './config/config';

export const APP_OPTIONS = {
  bufferLogs: true,
  // Throw start-up errors to the caller (main.ts logs them and exits) instead of exiting here.
  abortOnError: false,
  // Fastify's own JSON parser reads bodies, with the size limit the adapter is given.
  bodyParser: false,
  // On close, drop idle keep-alive connections instead of waiting for clients to hang up.
  forceCloseConnections: true,
} satisfies NestApplicationOptions;

/** Builds the app exactly as production runs it (tests call this too). */
export async function createApp(config: AppConfig & { databaseUrl: string }, logger: pino.Logger) {
  const shared = new SharedStore(config.redisUrl, logger);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger, shared),
    httpAdapter(config, shared),
    APP_OPTIONS,
  );
  return setupApp(app, config);
}

/**
 * The HTTP server and its limits, as configured (a new one for each app); the per-client cap
 * is shared through `shared` (REDIS_URL), or per instance without it.
 */
export function httpAdapter(config: AppConfig, shared?: SharedStore) {
  return createHttpAdapter({
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
    keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    maxConcurrentPerClient: config.maxConcurrentPerClient,
    isPublic: isPublicRoute,
    shared,
  });
}
