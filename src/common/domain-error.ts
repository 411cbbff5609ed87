/**
 * The closed catalogue of every error the service answers on purpose: a stable code (the end
 * of the problem `type` URI), its HTTP status and its title. Services throw a DomainError with
 * one of these codes and know nothing of HTTP; the problem+json filter reads status and title
 * from here, and the OpenAPI document publishes the list (`x-problem-types`) so that pages and
 * other clients can translate by code.
 */
export const ERROR_CATALOGUE = {
  'validation-failed': { status: 400, title: 'Invalid request' },
  'unstorable-text': { status: 400, title: 'Text that cannot be stored' },
  'unstorable-value': { status: 400, title: 'Value that cannot be stored' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'slot-full': { status: 409, title: 'Slot fully booked' },
  'slot-closed': { status: 409, title: 'Slot closed' },
  'slot-cancelled': { status: 409, title: 'Slot cancelled' },
  'slot-past': { status: 409, title: 'Slot already started' },
  'slot-too-soon': { status: 409, title: 'Slot too soon to book online' },
  'slot-too-far': { status: 409, title: 'Slot too far ahead to book online' },
  'clinic-closed': { status: 409, title: 'Clinic closed that day' },
  'slot-overlap': { status: 409, title: 'Slots overlap' },
  'slot-not-started': { status: 409, title: 'Appointment not started yet' },
  'capacity-below-bookings': { status: 409, title: 'Capacity below bookings' },
  'already-booked': { status: 409, title: 'Already booked' },
  'booking-limit': { status: 409, title: 'Booking limit reached' },
  'same-slot': { status: 409, title: 'Already in this slot' },
  'booking-not-active': { status: 409, title: 'Booking no longer active' },
  'booking-cancelled': { status: 409, title: 'Booking cancelled' },
  'booking-changed': { status: 409, title: 'Booking changed meanwhile' },
  'deadline-passed': { status: 409, title: 'Deadline passed' },
  'idempotency-key-in-flight': { status: 409, title: 'Idempotency key in flight' },
  'notification-not-retryable': { status: 409, title: 'Notification not retryable' },
  'staff-email-taken': { status: 409, title: 'Staff email taken' },
  'last-admin': { status: 409, title: 'Last active admin' },
  'patient-exists': { status: 409, title: 'Patient exists' },
  'patient-changed': { status: 409, title: 'Patient changed meanwhile' },
  'closure-overlap': { status: 409, title: 'Closure overlaps another' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'database-unavailable': { status: 503, title: 'Service temporarily unavailable' },
  'not-ready': { status: 503, title: 'Not ready' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A problem's `type` is this followed by its code. */
export const PROBLEM_BASE = 'https://clinic-booking.dev/problems/';

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
/** The codes whose status is `status`. */
export type CodeWithStatus<S extends number> = {
  [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['status'] extends S ? C : never;
}[ErrorCode];

export interface FieldError {
  field: string;
  message: string;
}

/** Every error a service throws on purpose: a catalogue code and a detail for this occurrence. */
export class DomainError extends Error {
  readonly errors?: FieldError[];
  /** Seconds after which a retry may succeed (sent as Retry-After). */
  readonly retryAfterSeconds?: number;

  /**
   * Without a stack trace: a domain error is an expected answer (a full slot, a typo), never
   * logged with its stack; capturing one (async frames included) costs tens of microseconds
   * per refused request.
   */
  constructor(
    readonly code: ErrorCode,
    detail: string,
    extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(detail);
    } finally {
      Error.stackTraceLimit = limit;
    }
    if (extra.errors) this.errors = extra.errors;
    if (extra.retryAfterSeconds) this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get title(): string {
    return ERROR_CATALOGUE[this.code].title;
  }
}

/** 400 naming each offending field. */
export class ValidationFailedError extends DomainError {
  constructor(
    errors: FieldError[],
    detail = `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${[
      ...new Set(errors.map((e) => e.field)),
    ].join(', ')}.`,
  ) {
    super('validation-failed', detail, { errors });
  }
}

/** One invalid field. */
export function invalidField(field: string, message: string): ValidationFailedError {
  return new ValidationFailedError([{ field, message }]);
}

export class NotFoundError extends DomainError {
  constructor(detail: string) {
    super('not-found', detail);
  }
}

/** A state conflict (409): only the catalogue's 409 codes are accepted. */
export class ConflictError extends DomainError {
  constructor(code: CodeWithStatus<409>, detail: string) {
    super(code, detail);
  }
}
