import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { concurrencyCap } from './common/http-server';
import { requestId, UNPREFIXED_ROUTES } from './common/logging';
import { ProblemFilter } from './common/problem.filter';
import { createValidationPipe, WellFormedTextPipe } from './common/validation';
import type { AppConfig } from './config/config';

export const API_PREFIX = 'api/v1';
export const BODY_LIMIT = '100kb';
const PUBLIC_PATHS = /^\/api\/v1\/(slots|bookings)(\/|$)/;

/** Everything that makes the app behave as in production; main.ts and every e2e test call it. */
export function setupApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.use(concurrencyCap(config.maxConcurrentPerClient, (path) => PUBLIC_PATHS.test(path)));
  app.useBodyParser('json', { limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  // Before everything else, so that every answer (docs and errors included) carries its id.
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestId(req, res);
    next();
  });
  app.use(helmet());
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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
