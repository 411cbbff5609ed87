import type { DataSource } from 'typeorm';
import { prepared, updateReturning } from '../common/sql';
import type { NotificationKind, NotificationPayload } from './notification.entity';

/** A claimed email, with the dispatcher's view of its booking as it is now. */
export interface ClaimedRow {
  id: string;
  bookingId: string | null;
  kind: NotificationKind;
  recipient: string;
  locale: 'en' | 'nl';
  attempts: number;
  payload: NotificationPayload;
  secret: string | null;
  bookingStatus: string | null;
  bookingSlotId: string | null;
}

/** $1 batch size, $2 lease in ms, $3 holder, $4 how long due in ms (claimDue). */
const CLAIM_DUE_SQL = prepared(
  `WITH due AS (
       SELECT id FROM notification
       WHERE status IN ('pending', 'failed')
         AND not_before <= now() - make_interval(secs => $4::double precision / 1000)
         AND (locked_until IS NULL OR locked_until < now())
       ORDER BY not_before
       LIMIT $1
       FOR UPDATE SKIP LOCKED
     )
     UPDATE notification n
     SET locked_until = now() + make_interval(secs => $2::double precision / 1000), locked_by = $3,
         attempts = n.attempts + 1, updated_at = now()
     FROM due WHERE n.id = due.id
     RETURNING n.id, n.booking_id AS "bookingId", n.kind, n.recipient, n.locale, n.attempts, n.payload, n.secret,
       (SELECT b.status FROM booking b WHERE b.id = n.booking_id) AS "bookingStatus",
       (SELECT b.slot_id FROM booking b WHERE b.id = n.booking_id) AS "bookingSlotId"`,
);

/**
 * Claims up to `batchSize` due emails for `holder` under a lease (FOR UPDATE SKIP LOCKED, so
 * instances never claim one row at once), counting the attempt, and reads each one's booking as
 * it is now (its status and slot), so that an email about a booking that changed is skipped.
 * With `dueForMs`, only emails due for at least that long.
 */
export function claimDue(
  db: DataSource,
  claim: { batchSize: number; leaseMs: number; holder: string; dueForMs?: number },
): Promise<ClaimedRow[]> {
  return updateReturning<ClaimedRow>(db, CLAIM_DUE_SQL, [
    claim.batchSize,
    claim.leaseMs,
    claim.holder,
    claim.dueForMs ?? 0,
  ]);
}

/** How many emails the outbox holds in each status. */
export async function outboxByStatus(db: DataSource): Promise<{ status: string; count: number }[]> {
  return db.query(`SELECT status, count(*)::int AS count FROM notification GROUP BY status`);
}

/**
 * How long the oldest email still to be sent has been due, in seconds (0 when none): a pending
 * one from its due time, one whose sends are failing from its first failure (its next try may
 * lie ahead, but it has been stuck since then).
 */
export async function oldestDueSeconds(db: DataSource): Promise<number> {
  const [row] = (await db.query(
    `SELECT coalesce(extract(epoch FROM now() - least(
       (SELECT min(not_before) FROM notification WHERE status = 'pending' AND not_before <= now()),
       (SELECT min(first_failed_at) FROM notification WHERE status = 'failed'))), 0)::float8 AS seconds`,
  )) as { seconds: number }[];
  return Math.max(0, row.seconds);
}
