/**
 * The raw-SQL limit the app is measured against: node:http + pg, no framework, no ORM, no
 * validation library. It owns its SQL, written here as the app's statements are (one, for a
 * booking), and opens a pool of the app's size and settings. It shares no code with src/: the
 * benchmark talks to the app over HTTP only. Serves the three benchmarked paths:
 * POST /api/v1/bookings, GET /api/v1/slots and GET /api/v1/admin/bookings (first page).
 * Run: node -r ts-node/register bench/baseline.ts
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool, types } from 'pg';

// A `date` stays 'YYYY-MM-DD' text, as in the app.
types.setTypeParser(types.builtins.DATE, (value) => value);

// The app's pool: the same size and settings (connections kept open once opened, the same
// timeouts), so that the two are measured on equal terms.
const POOL_SIZE = Number(process.env.POOL_SIZE ?? 20);
const pool: Pool =
  require.main === module
    ? new Pool({
        connectionString: process.env.DATABASE_URL,
        max: POOL_SIZE,
        min: POOL_SIZE,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
        statement_timeout: 30_000,
        idle_in_transaction_session_timeout: 60_000,
      })
    : (undefined as never);
const REMINDER_HOURS = 48;
const MAX_ACTIVE_BOOKINGS = 2;
const MIN_NOTICE_MINUTES = 60;
const HORIZON_DAYS = Number(process.env.BOOKING_HORIZON_DAYS ?? 90);

/**
 * The statements the app prepares (src/common/sql.ts `prepared`), prepared here too: each
 * connection parses and plans them once (pg, given a name), then only binds and runs them.
 */
export const named = (name: string, text: string, values: unknown[]) => ({ name, text, values });

const SLOT_COLUMNS = `id, starts_at AS "startsAt", ends_at AS "endsAt", capacity, booked_count AS "bookedCount", status, notes`;
const FIND_SLOT_SQL = `SELECT ${SLOT_COLUMNS} FROM slot WHERE id = $1`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The booking in one statement, as the app runs it: $1 now, $2 the patient identity's hash,
 * $3 the new booking's id, $4 the most upcoming bookings per identity, $5 slot, $6 earliest
 * start, $7-$12 the patient (first and last name, email, phone, date of birth, locale), $13
 * reference, $14 token hash, $15 notes, $16 sealed token, $17 email payload, $18 reminder hours,
 * $19 front desk, $20 latest start (the horizon), $21 the front desk's language.
 * One difference: the confirmation is never due ('infinity'), so that the app's dispatcher, on
 * the same database, does not send the baseline's email (an index entry all the same).
 */
export const BOOK_SQL = `
  WITH quota AS (
  INSERT INTO booking_quota (identity, entries)
  VALUES ($2, jsonb_build_array(jsonb_build_object('id', $3::uuid, 'at', $1::timestamptz)))
  ON CONFLICT (identity) DO UPDATE SET
    entries = booking_quota_live(booking_quota.entries, $1::timestamptz) || EXCLUDED.entries, updated_at = now()
  WHERE jsonb_array_length(booking_quota_live(booking_quota.entries, $1::timestamptz)) < $4::int
  RETURNING identity),
  place AS (
  UPDATE slot SET booked_count = booked_count + 1, updated_at = now()
  WHERE id = $5 AND status = 'open' AND booked_count < capacity
    AND starts_at > $6 AND starts_at <= $20
    AND EXISTS (SELECT FROM quota)
  RETURNING id, starts_at AS "startsAt", ends_at AS "endsAt", capacity, booked_count AS "bookedCount", status, notes),
  patient_row AS (
  INSERT INTO patient (first_name, last_name, email, phone, date_of_birth, locale)
  SELECT $7, $8, $9, $10,
         $11, $12
  FROM place
  ON CONFLICT (email, date_of_birth) DO UPDATE SET email = EXCLUDED.email
  RETURNING id, first_name, last_name),
  new_booking AS (
    INSERT INTO booking (id, reference, slot_id, patient_id, manage_token_hash, notes, first_name, last_name, phone, source, consent_at)
    SELECT $3::uuid, $13, place.id, patient_row.id, $14, $15,
           $7, $8, $10, 'online', $1::timestamptz
    FROM place, patient_row
    RETURNING id, reference, created_at),
  emails AS (
  INSERT INTO notification (booking_id, kind, recipient, locale, not_before, payload, secret)
  SELECT new_booking.id, email.kind, email.recipient, email.locale, email.not_before,
         $17::jsonb || jsonb_build_object('reference', new_booking.reference,
           'startsAt', to_char(place."startsAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'endsAt', to_char(place."endsAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'firstName', patient_row.first_name, 'lastName', patient_row.last_name),
         email.secret
  FROM new_booking, place, patient_row, LATERAL (VALUES
    ('booking_confirmed', $9::text, $12::text, 'infinity'::timestamptz, $16::text),
    ('reminder', $9::text, $12::text, place."startsAt" - $18::float8 * interval '1 hour', $16::text),
    ('staff_new_booking', $19::text, $21::text, $1::timestamptz, NULL)
  ) AS email (kind, recipient, locale, not_before, secret)
  WHERE email.recipient IS NOT NULL AND (email.kind <> 'reminder' OR email.not_before > $1::timestamptz))
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place."startsAt", place."endsAt",
         EXISTS (SELECT FROM quota) AS "withinLimit"
  FROM (SELECT) AS answer LEFT JOIN new_booking ON true LEFT JOIN place ON true`;

/** Gives back a refused attempt's quota entry: $1 identity, $2 booking id (as the app does). */
const RELEASE_QUOTA_SQL = `
  WITH gone AS (
    DELETE FROM booking_quota
    WHERE identity = $1 AND NOT EXISTS (SELECT FROM jsonb_array_elements(entries) AS e WHERE e->>'id' <> $2)
    RETURNING identity)
  UPDATE booking_quota SET entries = (SELECT coalesce(jsonb_agg(e), '[]'::jsonb)
                                      FROM jsonb_array_elements(entries) AS e WHERE e->>'id' <> $2)
  WHERE identity = $1 AND NOT EXISTS (SELECT FROM gone)`;

interface BookRow {
  id: string | null;
  createdAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
  withinLimit: boolean;
}

const local = (column: string) => `to_char(${column} AT TIME ZONE $7::text, 'YYYY-MM-DD"T"HH24:MI:SS')`;
const AVAILABLE_SLOTS_SQL = `
  SELECT id, ${iso('starts_at')} AS "startsAt", ${iso('ends_at')} AS "endsAt",
         ${local('starts_at')} AS "startsAtLocal", ${local('ends_at')} AS "endsAtLocal",
         capacity - booked_count AS remaining
  FROM slot
  WHERE status = 'open' AND booked_count < capacity
    AND starts_at >= $1 AND starts_at < $2 AND starts_at > $3 AND starts_at <= $8
    AND (starts_at, id) > ($4::timestamptz, $5::uuid)
  ORDER BY starts_at, id
  LIMIT $6`;

const LIST_SQL = `
  SELECT b.id, b.reference, b.status, b.notes, ${iso('b.cancelled_at')} AS "cancelledAt", b.cancel_reason AS "cancelReason",
    b.cancelled_by AS "cancelledBy", ${iso('b.created_at')} AS "createdAt",
    s.id AS "slotId", ${iso('s.starts_at')} AS "startsAt", ${iso('s.ends_at')} AS "endsAt",
    p.id AS "patientId", p.first_name AS "firstName", p.last_name AS "lastName", p.email, p.phone,
    p.date_of_birth AS "dateOfBirth"
  FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id
  ORDER BY s.starts_at ASC, b.id ASC LIMIT $1 OFFSET $2`;

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export const newReference = () =>
  `B12-${Array.from({ length: 6 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;
function newManageToken() {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: createHash('sha256').update(token).digest('hex') };
}
const encodeCursor = (slot: { startsAt: string; id: string }) =>
  Buffer.from(JSON.stringify([slot.startsAt, slot.id])).toString('base64url');

/** Slots refused a moment ago (5 s), read first as the app does. */
const refusedUntil = new Map<string, number>();

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return JSON.parse(data);
}

function refuse(res: ServerResponse, slotId: string): void {
  refusedUntil.set(slotId, Date.now() + 5_000);
  send(res, 409, { type: 'slot-full', title: 'Conflict', status: 409, detail: 'This slot is fully booked.' });
}

/** Whether a slot as read can take a booking now (the app's checks, in short). */
function looksBookable(
  slot: { status: string; startsAt: Date; bookedCount: number; capacity: number } | undefined,
  earliest: Date,
) {
  return !!slot && slot.status === 'open' && slot.startsAt > earliest && slot.bookedCount < slot.capacity;
}

/**
 * The booking statement's parameters for a request body (a fresh booking id, reference and
 * token each time): also what the benchmark's accounting runs the statement with.
 */
export function bookingParameters(
  body: Record<string, unknown>,
  now = new Date(),
  horizonDays = HORIZON_DAYS,
) {
  const patient = body.patient as Record<string, string>;
  const slotId = body.slotId as string;
  const earliest = new Date(now.getTime() + MIN_NOTICE_MINUTES * 60_000);
  const { token, hash } = newManageToken();
  const details = {
    firstName: patient.firstName,
    lastName: patient.lastName,
    email: patient.email.toLowerCase(),
    phone: '+31612345678',
    dateOfBirth: patient.dateOfBirth,
    locale: 'en' as const,
  };
  const identity = createHash('sha256').update(`${details.email}\n${details.dateOfBirth}`).digest('hex');
  const bookingId = randomUUID();
  const parameters: unknown[] = [
    now,
    identity,
    bookingId,
    MAX_ACTIVE_BOOKINGS,
    slotId,
    earliest,
    details.firstName,
    details.lastName,
    details.email,
    details.phone,
    details.dateOfBirth,
    details.locale,
    newReference(),
    hash,
    null,
    token,
    JSON.stringify({ slotId, sequence: 0 }),
    REMINDER_HOURS,
    null,
    new Date(now.getTime() + horizonDays * 86_400_000),
    'nl',
  ];
  return { token, identity, bookingId, parameters };
}

/**
 * The app's statements in the app's order: a slot refused a moment ago is read first; else
 * the booking statement (the place, the patient, the booking, its emails: atomic by itself),
 * drawn again under another reference on a collision; a place not taken reads the slot to say
 * why.
 */
async function book(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const patient = body.patient as Record<string, string>;
  const slotId = body.slotId as string;
  const now = new Date();
  const earliest = new Date(now.getTime() + MIN_NOTICE_MINUTES * 60_000);
  if ((refusedUntil.get(slotId) ?? 0) > Date.now()) {
    const { rows } = await pool.query(named('find-slot', FIND_SLOT_SQL, [slotId]));
    if (!looksBookable(rows[0], earliest)) return refuse(res, slotId);
  }
  const { token, identity, bookingId, parameters } = bookingParameters(body, now);
  let reference = '';
  let booked: BookRow | undefined;
  for (let attempt = 1; !booked; attempt++) {
    reference = newReference();
    try {
      parameters[12] = reference;
      [booked] = (await pool.query<BookRow>(named('book', BOOK_SQL, parameters))).rows;
    } catch (error) {
      if (attempt < 5 && (error as { constraint?: string }).constraint === 'booking_reference_unique')
        continue;
      throw error;
    }
  }
  if (!booked.withinLimit) return refuse(res, slotId);
  if (booked.id === null) {
    await pool.query(named('release-quota', RELEASE_QUOTA_SQL, [identity, bookingId]));
    await pool.query(named('find-slot', FIND_SLOT_SQL, [slotId]));
    return refuse(res, slotId);
  }
  send(res, 201, {
    id: booked.id,
    reference,
    status: 'booked',
    slot: { id: slotId, startsAt: booked.startsAt, endsAt: booked.endsAt },
    patient: { firstName: patient.firstName, lastName: patient.lastName, email: patient.email },
    createdAt: booked.createdAt,
    manageToken: token,
  });
}

async function slots(url: URL, res: ServerResponse): Promise<void> {
  const now = new Date();
  const from = new Date(url.searchParams.get('from') ?? now);
  const to = new Date(url.searchParams.get('to') ?? from.getTime() + 28 * 86_400_000);
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const { rows } = await pool.query(AVAILABLE_SLOTS_SQL, [
    from,
    to,
    new Date(now.getTime() + MIN_NOTICE_MINUTES * 60_000),
    '1970-01-01T00:00:00Z',
    '00000000-0000-0000-0000-000000000000',
    limit + 1,
    'Europe/Amsterdam',
    new Date(now.getTime() + HORIZON_DAYS * 86_400_000),
  ]);
  const page = rows.slice(0, limit);
  send(res, 200, {
    data: page,
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
    timeZone: 'Europe/Amsterdam',
  });
}

async function adminBookings(res: ServerResponse): Promise<void> {
  const [page, count] = await Promise.all([
    pool.query(LIST_SQL, [50, 0]),
    // The same total the app runs when no filter needs a join.
    pool.query(`SELECT count(*)::int AS total FROM booking b`),
  ]);
  send(res, 200, { data: page.rows, total: count.rows[0].total, limit: 50, offset: 0 });
}

if (require.main === module) {
  createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (req.method === 'POST' && url.pathname === '/api/v1/bookings') return book(await readJson(req), res);
      if (req.method === 'GET' && url.pathname === '/api/v1/slots') return slots(url, res);
      if (req.method === 'GET' && url.pathname === '/api/v1/admin/bookings') return adminBookings(res);
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
      send(res, 404, { status: 404 });
    };
    handle().catch((error: Error) => send(res, 500, { status: 500, detail: error.message }));
  }).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('baseline ready\n'));
}
