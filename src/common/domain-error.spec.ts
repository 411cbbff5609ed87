import { ConflictError, NotFoundError, ValidationFailedError } from './domain-error';

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
});
