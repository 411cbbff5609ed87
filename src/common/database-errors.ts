import { QueryFailedError } from 'typeorm';
import { ConflictError, DomainError } from './domain-error';

/**
 * Every named constraint whose violation is a client's conflict rather than a bug, with what
 * to tell the client. The one place where database violations become domain errors.
 */
const CONSTRAINT_CONFLICTS: Record<string, { code: string; detail: string }> = {
  staff_email_unique: {
    code: 'staff-email-taken',
    detail: 'A staff account with this email already exists.',
  },
};

/** SQLSTATEs of the unique (23505), exclusion (23P01) and check (23514) violations. */
const CONSTRAINT_SQLSTATES = new Set(['23505', '23P01', '23514']);

/**
 * Errors that mean "the database cannot be reached right now": connection refused or reset,
 * the server shutting down (57P01..57P03), too many connections (53300), pool time-out.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
];

export class DatabaseUnavailableError extends DomainError {
  readonly kind = 'unavailable';
  readonly code = 'database-unavailable';
  readonly title = 'Service temporarily unavailable';
  override readonly retryAfterSeconds = 5;
  constructor() {
    super('The service cannot reach its database right now. Please try again in a few seconds.');
  }
}

export function translateDatabaseError(error: unknown): DomainError | undefined {
  const driverError = error instanceof QueryFailedError ? error.driverError : error;
  const code = (driverError as { code?: string } | null)?.code;
  if (error instanceof QueryFailedError && code && CONSTRAINT_SQLSTATES.has(code)) {
    const constraint = (driverError as { constraint?: string }).constraint;
    const conflict = constraint ? CONSTRAINT_CONFLICTS[constraint] : undefined;
    return conflict ? new ConflictError(conflict.code, conflict.detail) : undefined;
  }
  if (code && UNAVAILABLE_CODES.has(code)) return new DatabaseUnavailableError();
  const message = error instanceof Error ? error.message : '';
  if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return new DatabaseUnavailableError();
  return undefined;
}
