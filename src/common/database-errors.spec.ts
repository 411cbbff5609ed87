import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { QueryRunnerAlreadyReleasedError } from 'typeorm/error/QueryRunnerAlreadyReleasedError';
import { isRetryableConflict, translateDatabaseError } from './database-errors';
import { ConflictError } from './domain-error';

function pgError(code: string, message = 'server said no', constraint?: string): DatabaseError {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  error.constraint = constraint;
  return error;
}

const failed = (error: Error) => new QueryFailedError('SELECT 1', [], error);

describe('translateDatabaseError', () => {
  it.each([
    [
      'the server shutting down',
      failed(pgError('57P01', 'terminating connection due to administrator command')),
    ],
    ['the server starting up', failed(pgError('57P03', 'the database system is starting up'))],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['a connection exception (class 08)', failed(pgError('08006', 'connection failure'))],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ['a closed pg client', new Error('Client was closed and is not queryable')],
    ['a transaction whose connection died between statements', new QueryRunnerAlreadyReleasedError()],
  ])('reads %s as the database being unavailable (503)', (_label, error) => {
    expect(translateDatabaseError(error)).toMatchObject({ code: 'database-unavailable', status: 503 });
  });

  it.each([
    ['a text longer than its column', '22001', 'value too long for type character varying(100)'],
    ['a malformed uuid', '22P02', 'invalid input syntax for type uuid: "------"'],
    ['a date out of range', '22008', 'date/time field value out of range: "0000-01-01"'],
  ])('reads %s as the client’s input that cannot be stored (400)', (_label, code, message) => {
    expect(translateDatabaseError(failed(pgError(code, message)))).toMatchObject({
      code: 'unstorable-value',
      status: 400,
    });
  });

  it('reads a known constraint as a conflict, and leaves unknown errors alone (500)', () => {
    const conflict = translateDatabaseError(
      failed(pgError('23505', 'duplicate key', 'booking_one_active_per_patient')),
    );
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict?.code).toBe('already-booked');
    expect(
      translateDatabaseError(failed(pgError('23505', 'duplicate key', 'some_other_unique'))),
    ).toBeUndefined();
    expect(translateDatabaseError(failed(pgError('42P01', 'relation "x" does not exist')))).toBeUndefined();
    expect(translateDatabaseError(new TypeError('x is undefined'))).toBeUndefined();
  });

  it.each([
    ['a deadlock’s victim', '40P01', 'deadlock detected'],
    ['a serialization failure', '40001', 'could not serialize access due to concurrent update'],
  ])('reads %s as retryable, and as busy (503) once retries are spent', (_label, code, message) => {
    const error = failed(pgError(code, message));
    expect(isRetryableConflict(error)).toBe(true);
    expect(translateDatabaseError(error)).toMatchObject({
      code: 'database-unavailable',
      status: 503,
      retryAfterSeconds: 1,
    });
  });

  it('retries nothing else', () => {
    expect(isRetryableConflict(failed(pgError('23505', 'duplicate key', 'x')))).toBe(false);
    expect(isRetryableConflict(failed(pgError('57P01', 'terminating connection')))).toBe(false);
    expect(isRetryableConflict(new TypeError('x is undefined'))).toBe(false);
  });
});
