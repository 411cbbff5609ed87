import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type pino from 'pino';
import { AppModule } from './app.module';
import { HardenedExpressAdapter } from './common/http-server';
import { setupApp } from './app.setup';
import type { AppConfig } from './config/config';

export const APP_OPTIONS = {
  bufferLogs: true,
  // Throw start-up errors to the caller (main.ts logs them and exits) instead of exiting here.
  abortOnError: false,
  // setupApp installs the JSON parser itself, with the body size limit.
  bodyParser: false,
  // On close, drop idle keep-alive connections instead of waiting for clients to hang up.
  forceCloseConnections: true,
} satisfies NestApplicationOptions;

/** Builds the app exactly as production runs it (tests call this too). */
export async function createApp(config: AppConfig & { databaseUrl: string }, logger: pino.Logger) {
  const adapter = new HardenedExpressAdapter({
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
    keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, logger),
    adapter,
    APP_OPTIONS,
  );
  return setupApp(app, config);
}
