import {
  ConflictError,
  DomainError,
  ERROR_CATALOGUE,
  NotFoundError,
  ValidationFailedError,
} from './domain-error';

describe('DomainError', () => {
  it('keeps its message, fields and class, without capturing a stack', () => {
    const error = new ConflictError('slot-full', 'This slot is fully booked.');
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('This slot is fully booked.');
    expect(error.code).toBe('slot-full');
    expect(error.stack).not.toMatch(/\n\s+at /);
    const invalid = new ValidationFailedError([
      { field: 'patient.email', message: 'must be an email address' },
    ]);
    expect(invalid.message).toBe('The request has 1 invalid field: patient.email.');
    expect(invalid.stack).not.toMatch(/\n\s+at /);
  });

  it('leaves stack traces of every other error as they were', () => {
    const before = Error.stackTraceLimit;
    new NotFoundError('There is no booking with this id.');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('unexpected').stack).toMatch(/\n\s+at /);
  });

  it('takes its status and title from the catalogue, one entry per code', () => {
    const error = new DomainError('rate-limited', 'Slow down.', { retryAfterSeconds: 7 });
    expect(error).toMatchObject({ status: 429, title: 'Too many requests', retryAfterSeconds: 7 });
    expect(new ConflictError('slot-full', 'Full.').status).toBe(409);
    expect(new NotFoundError('Gone.').status).toBe(404);
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(entry.title.length).toBeGreaterThan(0);
      expect([400, 401, 403, 404, 409, 422, 429, 503]).toContain(entry.status);
    }
  });
});
