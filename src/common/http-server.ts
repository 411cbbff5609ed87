import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingMessage, RequestListener, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CATALOGUE, PROBLEM_BASE } from './domain-error';
import { requestId } from './logging';
import { KEY_PREFIX, keyPart, type SharedStore } from './shared-store';

/** Every API route is under this prefix (the health checks and the docs are not). */
export const API_PREFIX = 'api/v1';

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  bodyLimitBytes: number;
  /** Whether, or through how many proxies, X-Forwarded-For gives the client's address. */
  trustProxy: boolean | number;
  /** API requests in flight per client address, public and staff counted apart (0: no cap). */
  maxConcurrentPerClient: number;
  /** Whether a matched route (its template, e.g. `/api/v1/bookings/:reference`) is public. */
  isPublic: (route: string) => boolean;
  /** Where the requests in flight are counted across instances (REDIS_URL); otherwise in memory. */
  shared?: SharedStore;
}

/**
 * The Fastify adapter, with a server that drops slow clients: headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs` (Node answers 408 and
 * closes). Node checks those limits only every `connectionsCheckingInterval`, which can be set
 * only when the server is created, hence creating it here. An idle keep-alive connection is
 * closed after `keepAliveTimeoutMs`: behind a proxy, longer than the proxy keeps its own idle
 * connections to the app, or the proxy may send a request just as the app closes (a 502).
 *
 * Its first request hooks (after Nest's own CORS and security-header hooks, before any
 * middleware and before the body is read) give every answer its request id and cap the
 * requests one client address may have in flight.
 */
export function createHttpAdapter(limits: HttpLimits): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: limits.bodyLimitBytes,
    // A number of hops as Express counted them: the address that many hops in from the socket.
    trustProxy:
      typeof limits.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (limits.trustProxy as number)
        : limits.trustProxy,
    genReqId: (request: IncomingMessage) =>
      requestId(request, limits.trustProxy !== false && limits.trustProxy !== 0),
    serverFactory: (handler: RequestListener) => {
      const server = createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
        },
        handler,
      );
      server.keepAliveTimeout = limits.keepAliveTimeoutMs;
      return server;
    },
    clientErrorHandler: answerClientError,
    frameworkErrors: answerRouterError,
    // On close, drop idle keep-alive connections instead of waiting for clients to hang up.
    forceCloseConnections: true,
  });
  const fastify = adapter.getInstance();
  // Bodies are JSON or refused before they are read: any other type (or none) is a 415
  // (FST_ERR_CTP_INVALID_MEDIA_TYPE), plain text included, which Fastify would otherwise read.
  fastify.removeContentTypeParser('text/plain');
  // Fastify parses application/json itself; the +json types (RFC 6839) are JSON as well.
  fastify.addContentTypeParser(
    /^application\/[\w.-]+\+json$/i,
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  );
  fastify.addHook('onRequest', (request, reply, done) => {
    // On the Node response, so that answers Fastify does not write itself carry it too.
    reply.raw.setHeader('x-request-id', request.id);
    done();
  });
  if (limits.maxConcurrentPerClient > 0) {
    fastify.addHook(
      'onRequest',
      concurrencyCap(limits.maxConcurrentPerClient, limits.isPublic, limits.shared, limits.requestTimeoutMs),
    );
  }
  return adapter;
}

/** A problem with no type of its own (RFC 9457 `about:blank`): the status says it. */
function problemJson(status: number, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request line or headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
};

/**
 * Requests Node's HTTP parser refuses before the app sees them (headers or URL too large,
 * malformed HTTP, too slow) are answered as problem+json too, like every other error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'The request is not valid HTTP.'];
  const body = problemJson(status, detail);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const ROUTER_ERRORS: Record<string, [number, string]> = {
  FST_ERR_MAX_PARAM_LENGTH: [414, 'A part of the request path is too long (at most 100 characters).'],
  FST_ERR_BAD_URL: [400, 'The request path is not valid (bad percent-encoding).'],
};

/**
 * URLs the router refuses before any hook runs (a path that is not valid percent-encoded
 * UTF-8, a path segment over 100 characters) get a problem answer too, with their request id.
 */
function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, detail] = ROUTER_ERRORS[error.code] ?? [
    500,
    'Something went wrong on our side. Please try again later.',
  ];
  void reply
    .code(status)
    .header('x-request-id', request.id)
    .type('application/problem+json')
    .send(problemJson(status, detail));
}

/**
 * Takes a place among a client's requests in flight across every instance: a sorted set per
 * client in Redis, one member per request scored by its start. Members older than `staleMs`
 * (left by an instance that died mid-request) no longer count.
 */
const TAKE_PLACE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** Takes a place among a client's requests in flight: answers how to give it back, or null when full. */
type InFlight = (client: string) => Promise<(() => void) | null> | (() => void) | null;

/** Counted in this instance's memory. */
function localInFlight(max: number): InFlight {
  const inFlight = new Map<string, number>();
  return (client) => {
    const current = inFlight.get(client) ?? 0;
    if (current >= max) return null;
    inFlight.set(client, current + 1);
    return () => {
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left <= 0) inFlight.delete(client);
      else inFlight.set(client, left);
    };
  };
}

/** Counted in Redis for every instance; in memory while Redis is unreachable (SharedStore). */
function sharedInFlight(max: number, store: SharedStore, staleMs: number): InFlight {
  const local = localInFlight(max);
  let sequence = 0;
  return async (client) => {
    const key = `${KEY_PREFIX}inflight:${keyPart(client)}`;
    const member = `${process.pid}:${++sequence}:${Math.random().toString(36).slice(2)}`;
    const now = Date.now();
    const taken = await store.run(
      async (redis) => (await redis.eval(TAKE_PLACE, 1, key, now, now - staleMs, max, member, staleMs)) === 1,
    );
    if (taken === undefined) return local(client);
    if (!taken) return null;
    return () => void store.run((redis) => redis.zrem(key, member));
  };
}

/**
 * At most `max` requests in flight per client address on the API, so one client cannot hold
 * every connection (e.g. with slow uploads); public and staff endpoints have a budget each.
 * Decided on the route the router matched (after decoding: `/api/v1/%62ookings` is the
 * bookings route), before the body is read; answers a 429 problem itself, before Nest's
 * exception filters are in reach. Shared by every instance with REDIS_URL.
 */
function concurrencyCap(
  max: number,
  isPublic: (route: string) => boolean,
  shared: SharedStore | undefined,
  requestTimeoutMs: number,
) {
  // A request in flight longer than this no longer counts (its instance may have died).
  const take = shared?.redis ? sharedInFlight(max, shared, 10 * requestTimeoutMs) : localInFlight(max);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const route = request.routeOptions.url;
    if (!route?.startsWith(`/${API_PREFIX}/`)) return;
    const client = `${isPublic(route) ? 'public' : 'staff'}:${request.ip ?? 'unknown'}`;
    const giveBack = await take(client);
    if (!giveBack) {
      return reply
        .code(429)
        .header('Retry-After', '1')
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: `${PROBLEM_BASE}rate-limited`,
            title: ERROR_CATALOGUE['rate-limited'].title,
            status: 429,
            detail: `At most ${max} requests from one address may be in progress at once.`,
          }),
        );
    }
    reply.raw.once('close', giveBack);
  };
}
