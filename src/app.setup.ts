import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type pino from 'pino';
import { logRequests, PinoNestLogger, ROOT_LOGGER, UNPREFIXED_ROUTES } from './common/logging';
import { ERROR_CATALOGUE, PROBLEM_BASE } from './common/domain-error';
import { API_PREFIX } from './common/http-server';
import { Metrics } from './common/metrics';
import { ProblemFilter } from './common/problem.filter';
import { createValidationPipe, WellFormedTextPipe } from './common/validation';
import type { AppConfig } from './config/config';

export const BODY_LIMIT_BYTES = 100 * 1024;
const PUBLIC_ROUTES = /^\/api\/v1\/(slots|bookings)(\/|$)/;

/** Whether a matched route (its template) is one of the public, unauthenticated endpoints. */
export const isPublicRoute = (route: string) => PUBLIC_ROUTES.test(route);

/** Everything that makes the app behave as in production; main.ts and every e2e test call it. */
export function setupApp(app: NestFastifyApplication, config: AppConfig): NestFastifyApplication {
  const logger = app.get<pino.Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  logRequests(app.getHttpAdapter().getInstance(), logger);
  app.get(Metrics).timeRequests(app.getHttpAdapter().getInstance());
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  // Nest's own security headers: helmet's set and defaults, on every answer (errors included),
  // but HSTS and upgrade-insecure-requests only when the service is reached over HTTPS: over
  // plain HTTP (a first try on the LAN) they would send browsers to an https:// that is not there.
  const https = config.publicBaseUrl.startsWith('https://');
  app.useSecurityHeaders({
    strictTransportSecurity: https,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? true : null } },
  });
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
  app.useGlobalPipes(new WellFormedTextPipe(), createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('clinic-booking')
      .setDescription(
        `Booking backend of ${config.clinicName}: B12 assessment slots, patient bookings, reliable email. ` +
          'Every error is RFC 9457 application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // The error catalogue, so that clients translate problems by code (the end of `type`).
  Object.assign(document, {
    'x-problem-types': Object.entries(ERROR_CATALOGUE).map(([code, { status, title }]) => ({
      code,
      type: PROBLEM_BASE + code,
      status,
      title,
    })),
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
