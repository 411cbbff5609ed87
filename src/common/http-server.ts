import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { createServer, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The Express adapter with a server that drops slow clients: headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs` (Node answers 408 and
 * closes). Node checks those limits only every `connectionsCheckingInterval`, which can be set
 * only when the server is created, hence creating it here. An idle keep-alive connection is
 * closed after `keepAliveTimeoutMs`: behind a proxy, longer than the proxy keeps its own idle
 * connections to the app, or the proxy may send a request just as the app closes (a 502).
 */
export class HardenedExpressAdapter extends ExpressAdapter {
  constructor(
    private readonly limits: {
      headersTimeoutMs: number;
      requestTimeoutMs: number;
      keepAliveTimeoutMs: number;
    },
  ) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    this.httpServer = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, this.limits.headersTimeoutMs),
      },
      this.getInstance(),
    );
    this.httpServer.keepAliveTimeout = this.limits.keepAliveTimeoutMs;
    this.httpServer.on('clientError', answerClientError);
    if (options?.forceCloseConnections) {
      // The base class's own connection tracking, so that close() drops idle keep-alives.
      (this as unknown as { trackOpenConnections(): void }).trackOpenConnections();
    }
  }
}

/**
 * Requests Node's HTTP parser refuses before the app sees them (headers or URL too large,
 * malformed HTTP, too slow) are answered as problem+json too, like every other error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431
      ? 'The request line or headers are too large.'
      : status === 408
        ? 'The request took too long to arrive.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * At most `max` requests in flight per client address on the public endpoints, so one client
 * cannot hold every connection (e.g. with slow uploads). Runs before body parsing; answers a
 * 429 problem itself, since it runs outside Nest's exception filters.
 */
export function concurrencyCap(max: number, isPublic: (path: string) => boolean) {
  const inFlight = new Map<string, number>();
  return (request: Request, response: Response, next: NextFunction): void => {
    if (max === 0 || !isPublic(request.path)) return next();
    const client = request.ip ?? 'unknown';
    const current = inFlight.get(client) ?? 0;
    if (current >= max) {
      response
        .status(429)
        .setHeader('Retry-After', '1')
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'https://clinic-booking.dev/problems/too-many-concurrent-requests',
            title: 'Too many requests',
            status: 429,
            detail: `At most ${max} requests from one address may be in progress at once.`,
          }),
        );
      return;
    }
    inFlight.set(client, current + 1);
    response.once('close', () => {
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left <= 0) inFlight.delete(client);
      else inFlight.set(client, left);
    });
    next();
  };
}
