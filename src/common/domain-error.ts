/**
 * Base of every error a service throws on purpose. Services know nothing of HTTP: the
 * problem+json filter turns `kind` into a status code.
 */
export type ErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unprocessable' // 422
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Short stable identifier, also the end of the problem `type` URI. */
  abstract readonly code: string;
  /** Human title of the problem type (the same for every occurrence). */
  abstract readonly title: string;
  readonly errors?: FieldError[];
  /** Seconds after which a retry may succeed (sent as Retry-After). */
  readonly retryAfterSeconds?: number;

  /**
   * Without a stack trace: a domain error is an expected answer (a full slot, a typo), never
   * logged with its stack; capturing one (async frames included) costs tens of microseconds
   * per refused request.
   */
  constructor(message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export class ValidationFailedError extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'validation-failed';
  readonly title = 'Invalid request';
  constructor(
    override readonly errors: FieldError[],
    detail = `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${[
      ...new Set(errors.map((e) => e.field)),
    ].join(', ')}.`,
  ) {
    super(detail);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  readonly code = 'unauthenticated';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  readonly code = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  readonly code = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  readonly title = 'Conflict';
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited';
  readonly code = 'rate-limited';
  readonly title = 'Too many requests';
  constructor(
    detail: string,
    override readonly retryAfterSeconds: number,
  ) {
    super(detail);
  }
}
