import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerService, RequestMethod } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino from 'pino';
import type { AppConfig } from '../config/config';

/** Routes served outside the /api/v1 prefix (see setupApp). */
export const UNPREFIXED_ROUTES = [
  { path: 'health', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  // The patient pages and their files (src/pages).
  { path: 'book', method: RequestMethod.GET },
  { path: 'manage/:reference', method: RequestMethod.GET },
  { path: 'desk', method: RequestMethod.GET },
  { path: 'embed.js', method: RequestMethod.GET },
  { path: 'assets/:file', method: RequestMethod.GET },
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
 * The request's id: behind a trusted proxy (TRUST_PROXY), the proxy's `x-request-id` when it is
 * well formed (so that a request can be followed end to end); otherwise a new UUID, so that no
 * caller chooses the id the logs and the audit trail file its actions under. Set once per request
 * (Fastify's request id and the log lines' are this one) and echoed on the response.
 */
export function requestId(req: IncomingMessage & { id?: unknown }, trustProxy: boolean): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id =
    trustProxy && typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  return id;
}

/**
 * The process's logger, credentials removed: JSON lines on stdout (or `destination`), for log
 * collectors; lines a person reads (pino-pretty, a development dependency) when stdout is a
 * terminal outside production.
 */
export function createRootLogger(
  config: Pick<AppConfig, 'logLevel'> & Partial<Pick<AppConfig, 'env'>>,
  destination?: pino.DestinationStream,
): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT, remove: true },
      base: { service: 'clinic-booking' },
    },
    destination ?? (process.stdout.isTTY && config.env !== 'production' ? prettyStream() : undefined),
  );
}

/** pino-pretty, when it is installed (not in a production image, which logs JSON). */
function prettyStream(): pino.DestinationStream | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (options: object) => pino.DestinationStream;
    return pretty({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true });
  } catch {
    return undefined;
  }
}

/** Nest's start-up chatter (modules loaded, every route mapped): for debugging, not the info log. */
const START_UP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** The root pino logger, as given to AppModule.register (setupApp reads it from here). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * One JSON line per answered request, with its id, method, path (without the query string,
 * where search terms such as names would sit), status and time taken; `error` for a 5xx.
 *
 * A Fastify hook rather than pino-http as Nest middleware: that created a child logger for
 * every request and ran the rest of the request inside an AsyncLocalStorage context, whose
 * promise hook (Node 20) then ran for every promise in the process: a quarter of the CPU of a
 * slot listing, even at LOG_LEVEL=warn. Log lines made while handling a request name its id
 * where they need it (the problem filter's do).
 */
export function logRequests(fastify: FastifyInstance, logger: pino.Logger): void {
  const req = (request: FastifyRequest) => ({ method: request.method, path: request.url.split('?', 1)[0] });
  fastify.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    const level = failed ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          reqId: request.id,
          req: req(request),
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    logger.info({ reqId: request.id, req: req(request) }, 'request aborted by the client');
    done();
  });
}

const LEVELS = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
} as const satisfies Record<string, pino.Level>;

/**
 * Nest's logger interface onto pino: Nest's own messages and every `new Logger(Name)` in the
 * app. Nest calls it as `(message, ...params, context)`, the context being the Logger's name;
 * a first argument that is an object becomes the line's fields (`logger.warn({ err }, 'text')`).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(method: keyof typeof LEVELS, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const level = method === 'log' && context && START_UP_CONTEXTS.has(context) ? 'debug' : LEVELS[method];
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
    } else {
      text = String(message);
    }
    for (const param of rest) {
      if (param === undefined) continue;
      // Nest's own errors arrive as (message, stack, context).
      if (method === 'error' && typeof param === 'string' && param.includes('\n    at '))
        fields.stack = param;
      else if (typeof param === 'string' && text === undefined) text = param;
    }
    this.logger[level](fields, text);
  }
}
