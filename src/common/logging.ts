import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '../config/config';

/** Routes served outside the /api/v1 prefix (see setupApp). */
export const UNPREFIXED_ROUTES = [
  { path: 'health', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Headers that carry credentials. They are dropped from logs entirely; together with logging
 * the path without its query string (where search terms such as names would sit) this keeps
 * passwords, tokens and patient details out of the log.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-booking-token"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
];

/**
 * The request's id: the caller's own `x-request-id` when it is sane (so that a request can be
 * followed end to end), else a new UUID; set once per request (Fastify's request id and the
 * log lines' are this one) and echoed on the response (see createHttpAdapter).
 */
export function requestId(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  return id;
}

/** The process's logger: JSON lines on stdout (or `destination`), credentials removed. */
export function createRootLogger(
  config: Pick<AppConfig, 'logLevel'>,
  destination?: pino.DestinationStream,
): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT, remove: true },
      base: { service: 'clinic-booking' },
    },
    destination,
  );
}

/** nestjs-pino settings: one JSON line per request and per log call, each with the request id. */
export function loggerParams(logger: pino.Logger): Params {
  return {
    // nestjs-pino's default routes log requests outside the prefix twice. Nest mounts a route
    // it sees as a wildcard (leading slash) under the prefix and adds the excluded ones once.
    forRoutes: [{ path: '/*path', method: RequestMethod.ALL }],
    pinoHttp: {
      logger,
      genReqId: (req: IncomingMessage) => requestId(req),
      // A refused request (a full slot, a typo) is ordinary traffic, not a warning; 5xx is.
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      quietReqLogger: true,
    },
  };
}
