import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '../config/config';

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

export function createRootLogger(config: Pick<AppConfig, 'logLevel'>): pino.Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACT, remove: true },
    base: { service: 'clinic-booking' },
  });
}

/** nestjs-pino settings: one JSON line per request and per log call, each with the request id. */
export function loggerParams(logger: pino.Logger): Params {
  return {
    pinoHttp: {
      logger,
      // A caller's own id is kept when it is sane, so that a request can be followed end to end.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
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
