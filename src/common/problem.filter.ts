import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { translateDatabaseError } from './database-errors';
import { DomainError, ErrorKind, FieldError } from './domain-error';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

const STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

const PROBLEM_BASE = 'https://clinic-booking.dev/problems/';

/** Friendlier details for errors Nest and body-parser raise before our code runs. */
function detailOfHttpException(exception: HttpException, request: Request): string {
  const status = exception.getStatus();
  const cause = exception.cause as { type?: string } | undefined;
  if (status === 400 && cause?.type === 'entity.parse.failed') return 'The request body is not valid JSON.';
  if (status === 413) return 'The request body is too large (at most 100 kB).';
  if (status === 404 && exception.constructor.name === 'NotFoundException' && !exception.cause) {
    const body = exception.getResponse();
    if (typeof body === 'object' && String((body as { message?: unknown }).message).startsWith('Cannot ')) {
      return `There is no ${request.method} ${request.originalUrl.split('?')[0]} endpoint.`;
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
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const error =
      exception instanceof DomainError ? exception : (translateDatabaseError(exception) ?? exception);

    let problem: Problem;
    let retryAfter: number | undefined;
    if (error instanceof DomainError) {
      problem = {
        type: PROBLEM_BASE + error.code,
        title: error.title,
        status: STATUS_OF[error.kind],
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
      };
      retryAfter = error.retryAfterSeconds;
      if (problem.status === 503) this.logger.warn({ err: describe(exception) }, 'database unavailable');
    } else if (error instanceof HttpException) {
      const status = error.getStatus();
      problem = {
        type: 'about:blank',
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: detailOfHttpException(error, request),
      };
    } else {
      this.logger.error({ err: describe(exception) }, 'unhandled error');
      problem = {
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'Something went wrong on our side. It has been logged; please try again later.',
      };
    }

    if (response.headersSent) {
      response.end();
      return;
    }
    if (retryAfter) response.setHeader('Retry-After', String(retryAfter));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

/** What of an unexpected error goes to the log: its class, message, code and stack. */
function describe(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { value: String(exception) };
  return {
    type: exception.constructor.name,
    message: exception.message,
    code: (exception as { code?: string }).code,
    stack: exception.stack,
  };
}
