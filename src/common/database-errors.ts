import { CodeWithStatus, ConflictError, DomainError } from './domain-error';

/**
 * Every named constraint whose violation is a client's conflict rather than a bug, with what
 * to tell the client. The one place where database violations become domain errors.
 */
const CONSTRAINT_CONFLICTS: Record<string, { code: CodeWithStatus<409>; detail: string }> = {
  staff_email_unique: {
    code: 'staff-email-taken',
    detail: 'A staff account with this email already exists.',
  },
  patient_email_dob_unique: {
    code: 'patient-exists',
    detail: 'Another patient has this email address and date of birth.',
  },
  booking_one_active_per_patient: {
    code: 'already-booked',
    detail: 'This patient already has a booking in this slot.',
  },
  slot_no_overlap: { code: 'slot-overlap', detail: 'The slot overlaps another slot that is not cancelled.' },
  slot_booked_within_capacity: {
    code: 'capacity-below-bookings',
    detail: 'The slot’s capacity cannot go below its number of bookings.',
  },
};

/** SQLSTATEs of the unique (23505), exclusion (23P01) and check (23514) violations. */
const CONSTRAINT_SQLSTATES = new Set(['23505', '23P01', '23514']);

/**
 * Errors that mean "the database cannot be reached right now": connection refused or reset,
 * a connection exception (SQLSTATE class 08), the server shutting down (57P01..57P03), too
 * many connections (53300), pool time-out.
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
  // TypeORM, when the server ended the session in the middle of a transaction and the
  // transaction then ran its next statement (a programming error would read the same, so the
  // filter still logs every 503 with its cause).
  'connection provided by a query runner was already released',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'Client was closed and is not queryable',
  // TypeORM, when the server ended the session between two statements of a transaction: the
  // connection's error event releases the query runner, and the next statement finds it so.
  'Query runner already released',
];

/** What PostgreSQL refuses to store (a NUL character): the client's input, so a 400. */
const unstorableText = () =>
  new DomainError('unstorable-text', 'The request contains characters that cannot be stored (such as NUL).');

/**
 * What the database refuses as data (SQLSTATE class 22: a text longer than its column, a number
 * out of range, a malformed date or uuid): the client's input, so a 400, never a 500.
 */
const unstorableValue = () =>
  new DomainError(
    'unstorable-value',
    'A value in the request is too long, out of range or malformed for what it names.',
  );

/**
 * SQLSTATEs of a transaction that PostgreSQL rolled back so that another could go on: the
 * victim of a deadlock (40P01) or a serialization failure (40001). Run again, it succeeds.
 */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/** The SQLSTATE (or Node's error code) of a database error, if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  return driverErrorOf(error)?.code;
}

/** Whether `error` is a transaction PostgreSQL rolled back for another's sake (retry it). */
export function isRetryableConflict(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has(sqlStateOf(error) ?? '');
}

/** A deadlock or serialization failure that retries did not get past: busy, not broken. */
const databaseBusy = () =>
  new DomainError(
    'database-unavailable',
    'Another change to the same records was under way. Please try again in a moment.',
    { retryAfterSeconds: 1 },
  );

const databaseUnavailable = () =>
  new DomainError(
    'database-unavailable',
    'The service cannot reach its database right now. Please try again in a few seconds.',
    { retryAfterSeconds: 5 },
  );

/**
 * The pg error behind a TypeORM error. Checked by shape, not `instanceof QueryFailedError`:
 * errors from `DataSource.query()` do not always pass that check in TypeORM 1.x.
 */
function driverErrorOf(error: unknown): { code?: string; constraint?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const inner = (error as { driverError?: unknown }).driverError;
  return (typeof inner === 'object' && inner !== null ? inner : error) as {
    code?: string;
    constraint?: string;
  };
}

/** The constraint an error violated (unique, exclusion, check or foreign key), if any. */
export function violatedConstraint(error: unknown): string | undefined {
  const driverError = driverErrorOf(error);
  return driverError?.code?.startsWith('23') ? driverError.constraint : undefined;
}

export function translateDatabaseError(error: unknown): DomainError | undefined {
  const driverError = driverErrorOf(error);
  const code = driverError?.code;
  if (code && CONSTRAINT_SQLSTATES.has(code)) {
    const constraint = driverError.constraint;
    const conflict = constraint ? CONSTRAINT_CONFLICTS[constraint] : undefined;
    return conflict ? new ConflictError(conflict.code, conflict.detail) : undefined;
  }
  if (isRetryableConflict(error)) return databaseBusy();
  if (code === '22021' || code === '22P05') return unstorableText();
  if (code?.startsWith('22')) return unstorableValue();
  if (code && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return databaseUnavailable();
  const message = error instanceof Error ? error.message : '';
  if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return databaseUnavailable();
  return undefined;
}
