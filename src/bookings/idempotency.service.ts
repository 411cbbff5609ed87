import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, DomainError } from '../common/domain-error';
import { SecretBox } from '../common/secret-box';
import { prepared, runSql, updateReturning } from '../common/sql';
import { APP_SECRET } from '../config/app-secret';

/** A request still running after this long is taken to have died with its instance. */
const ABANDONED_AFTER = '2 minutes';
/** Completed answers are kept this long. */
const KEPT_FOR = '24 hours';

/** Takes the key if it is new, or if an earlier holder expired or was abandoned mid-request: $1 key, $2 request hash. */
const CLAIM_KEY_SQL = prepared(`
  INSERT INTO idempotency_key (key, request_hash) VALUES ($1, $2)
  ON CONFLICT (key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now(),
    status_code = NULL, response = NULL, completed_at = NULL
  WHERE idempotency_key.created_at < now() - interval '${KEPT_FOR}'
     OR (idempotency_key.completed_at IS NULL AND idempotency_key.created_at < now() - interval '${ABANDONED_AFTER}')
  RETURNING key`);

/** Records the answer: $1 key, $2 status code, $3 sealed answer, $4 booking id. */
const COMPLETE_KEY_SQL = prepared(
  `UPDATE idempotency_key SET status_code = $2, response = $3, booking_id = $4, completed_at = now() WHERE key = $1`,
);

/** Gives up a claim that did not complete: $1 key. */
const RELEASE_KEY_SQL = prepared(`DELETE FROM idempotency_key WHERE key = $1 AND completed_at IS NULL`);

export type Claim = { kind: 'claimed' } | { kind: 'replay'; statusCode: number; body: unknown };

/** JSON with object keys sorted (and undefined ones left out, as JSON does), so that `{a,b}` and `{b,a}` hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` for POST /bookings. The key is claimed in its own short transaction
 * (so a concurrent replay sees it at once and gets 409); the answer is recorded in the
 * booking's own transaction (so a booking never exists without its answer); a request that
 * fails releases its claim, since only a completed booking's answer is kept.
 */
@Injectable()
export class IdempotencyService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_SECRET) secret: string,
  ) {
    this.box = new SecretBox(secret, 'idempotency-response');
  }

  hashRequest(body: unknown): string {
    return createHash('sha256').update(canonical(body)).digest('hex');
  }

  async claim(key: string, requestHash: string): Promise<Claim> {
    const claimed = await runSql<unknown[]>(this.dataSource, CLAIM_KEY_SQL, [key, requestHash]);
    if (claimed.length > 0) return { kind: 'claimed' };
    const [row] = await this.dataSource.query<
      { request_hash: string; status_code: number | null; response: string | null }[]
    >(`SELECT request_hash, status_code, response FROM idempotency_key WHERE key = $1`, [key]);
    if (!row) return this.claim(key, requestHash); // released in between: try again
    if (row.request_hash !== requestHash)
      throw new DomainError(
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different request body. Use a new key for a new request.',
      );
    if (row.status_code === null || row.response === null) {
      throw new ConflictError(
        'idempotency-key-in-flight',
        'A request with this Idempotency-Key is still being processed. Retry in a moment.',
      );
    }
    return { kind: 'replay', statusCode: row.status_code, body: JSON.parse(this.box.open(row.response)) };
  }

  /** Records the answer, inside the transaction that made the booking. */
  async complete(
    manager: EntityManager,
    key: string,
    statusCode: number,
    body: unknown,
    bookingId: string,
  ): Promise<void> {
    await runSql(manager, COMPLETE_KEY_SQL, [
      key,
      statusCode,
      this.box.seal(JSON.stringify(body)),
      bookingId,
    ]);
  }

  /** Erasure: forgets the stored answers about these bookings. */
  async forget(manager: EntityManager, bookingIds: string[]): Promise<void> {
    await manager.query(`DELETE FROM idempotency_key WHERE booking_id = ANY($1::uuid[])`, [bookingIds]);
  }

  /** Gives the key up after a failed request, so that a retry runs afresh. */
  async release(key: string): Promise<void> {
    await runSql(this.dataSource, RELEASE_KEY_SQL, [key]);
  }

  /** Forgets answers older than 24 hours (a scheduled job: they hold personal data). */
  async purgeExpired(): Promise<number> {
    const purged = await updateReturning(
      this.dataSource,
      `DELETE FROM idempotency_key WHERE created_at < now() - interval '${KEPT_FOR}' RETURNING key`,
      [],
    );
    return purged.length;
  }
}
