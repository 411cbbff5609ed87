import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { translateDatabaseError } from './database-errors';
import { DomainError, FieldError, PROBLEM_BASE } from './domain-error';
import { scrubEmails } from './redact';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/**
 * What Fastify's refusals of a body mean, said for the caller. (The router's own refusals of
 * a URL never reach the filters: see answerRouterError.)
 */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; it must be a JSON object.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large (at most 100 kB).',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The request body must be JSON (Content-Type: application/json).',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its Content-Length.',
};

/** Friendlier details for errors Nest and Fastify raise before our code runs. */
function detailOfHttpException(exception: HttpException, request: { method?: string; url?: string }): string {
  const status = exception.getStatus();
  const cause = exception.cause as { code?: string } | undefined;
  const fastifyDetail = cause?.code ? FASTIFY_DETAILS[cause.code] : undefined;
  if (fastifyDetail) return fastifyDetail;
  if (status === 404 && exception.constructor.name === 'NotFoundException' && !exception.cause) {
    const body = exception.getResponse();
    if (typeof body === 'object' && String((body as { message?: unknown }).message).startsWith('Cannot ')) {
      return `There is no ${request.method} ${(request.url ?? '').split('?')[0]} endpoint.`;
    }
  }
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Turns every error into an RFC 9457 `application/problem+json` answer. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    // The app has no Nest middleware, so errors always arrive with Fastify's request and reply.
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const reqId = request.id;
    if (
      request.raw.socket.destroyed &&
      !(exception instanceof DomainError || exception instanceof HttpException)
    ) {
      // The client hung up before its request was complete: Node's "aborted" (code ECONNRESET)
      // is not the database's, and nobody is left to answer. The request's log line says so.
      reply.raw.destroy();
      return;
    }
    const error =
      exception instanceof DomainError ? exception : (translateDatabaseError(exception) ?? exception);

    let problem: Problem;
    let retryAfter: number | undefined;
    if (error instanceof DomainError) {
      problem = {
        type: PROBLEM_BASE + error.code,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
      };
      retryAfter = error.retryAfterSeconds;
      if (problem.status === 503) {
        this.logger.warn({ reqId, err: describe(exception) }, 'database unavailable');
      }
    } else if (error instanceof HttpException) {
      const status = error.getStatus();
      problem = {
        type: 'about:blank',
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: detailOfHttpException(error, request),
      };
    } else {
      this.logger.error({ reqId, err: describe(exception) }, 'unhandled error');
      problem = {
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'Something went wrong on our side. It has been logged; please try again later.',
      };
    }

    if (reply.raw.headersSent || reply.sent) {
      // Too late for an answer (a CSV export failing half-way): cut the response short.
      reply.raw.destroy();
      return;
    }
    if (retryAfter) void reply.header('Retry-After', String(retryAfter));
    void reply
      .status(problem.status)
      .type('application/problem+json; charset=utf-8')
      .send(JSON.stringify(problem));
  }
}

/** What of an unexpected error goes to the log: its class, message, code and stack. */
function describe(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { value: String(exception) };
  return {
    type: exception.constructor.name,
    message: scrubEmails(exception.message),
    code: (exception as { code?: string }).code,
    stack: exception.stack && scrubEmails(exception.stack),
  };
}
