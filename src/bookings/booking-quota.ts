import { createHash } from 'node:crypto';
import { type Param, prepared } from '../common/sql';

/** Providers that ignore dots in the local part (a.b@gmail.com is ab@gmail.com). */
const DOTLESS_DOMAINS = new Map([
  ['gmail.com', 'gmail.com'],
  ['googlemail.com', 'gmail.com'],
]);

/**
 * The mailbox an address delivers to, so that its aliases count as one person: lower case,
 * without a `+tag`, and without dots where the provider ignores them.
 */
export function canonicalEmail(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 1) return address;
  let local = address.slice(0, at).split('+')[0];
  let domain = address.slice(at + 1);
  const dotless = DOTLESS_DOMAINS.get(domain);
  if (dotless) {
    local = local.replace(/\./g, '');
    domain = dotless;
  }
  return `${local}@${domain}`;
}

/** A patient identity for the booking limit: a hash of the canonical email and the date of birth. */
export function bookingIdentity(email: string, dateOfBirth: string): string {
  return createHash('sha256')
    .update(`${canonicalEmail(email)}\n${dateOfBirth}`)
    .digest('hex');
}

/**
 * The entries of a quota that still count at a moment: booking_quota_live(entries, at), a
 * PL/pgSQL function of the migration BookingQuota. An entry counts while its booking is booked
 * and ahead, or, not yet visible to the statement (a booking of the same identity that committed
 * meanwhile), for a minute after it was taken. A function so that its queries are planned once
 * per connection, not on every booking. `entries` and `at` are SQL written here.
 */
const live = (entries: string, at: string) => `booking_quota_live(${entries}, ${at})`;

/**
 * A step of the booking statement, before the place is taken: claims one of the identity's
 * `maxActive` online bookings for `bookingId`, or answers no row when they are all in use. The
 * row is locked, and ON CONFLICT decides on its latest version, so concurrent bookings of one
 * identity (aliases included) take turns and cannot pass the limit together. Lock order: this
 * row, then the slot (no other path locks quota rows while holding a slot, except erasure, which
 * takes the quota row first too).
 */
export function claimQuotaSql(param: Param<'identity' | 'bookingId' | 'now' | 'maxActive'>): string {
  const now = param('now', 'timestamptz');
  return `
  INSERT INTO booking_quota (identity, entries)
  VALUES (${param('identity')}, jsonb_build_array(jsonb_build_object('id', ${param('bookingId', 'uuid')}, 'at', ${now})))
  ON CONFLICT (identity) DO UPDATE SET
    entries = ${live('booking_quota.entries', now)} || EXCLUDED.entries, updated_at = now()
  WHERE jsonb_array_length(${live('booking_quota.entries', now)}) < ${param('maxActive', 'int')}
  RETURNING identity`;
}

/**
 * Gives back the entry of a booking that was not made after all (no place): $1 identity, $2
 * booking id. A row left with no entry goes, so that a refused attempt leaves nothing behind.
 */
export const RELEASE_QUOTA_SQL = prepared(`
  WITH gone AS (
    DELETE FROM booking_quota
    WHERE identity = $1 AND NOT EXISTS (SELECT FROM jsonb_array_elements(entries) AS e WHERE e->>'id' <> $2)
    RETURNING identity)
  UPDATE booking_quota SET entries = (SELECT coalesce(jsonb_agg(e), '[]'::jsonb)
                                      FROM jsonb_array_elements(entries) AS e WHERE e->>'id' <> $2)
  WHERE identity = $1 AND NOT EXISTS (SELECT FROM gone)`);

/** Erasure: forgets an identity ($1). */
export const FORGET_QUOTA_SQL = `DELETE FROM booking_quota WHERE identity = $1`;

/**
 * Forgets the quota rows of people with no upcoming booking left, untouched for a day (a job).
 * `updated_at` is re-checked on the row's latest version, so a row a booking has just claimed
 * stays.
 */
export const PRUNE_QUOTAS_SQL = `
  DELETE FROM booking_quota q
  WHERE q.updated_at < now() - interval '1 day' AND jsonb_array_length(${live('q.entries', 'now()')}) = 0
  RETURNING q.identity`;
