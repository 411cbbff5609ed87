/**
 * The least a booking can cost: a bare server (node:http + pg) on a minimal schema of its own,
 * in a database of its own: a slot with its count, a patient keyed by email and date of birth,
 * a booking with its reference key and one active booking per patient and slot, and two outbox
 * rows without payload. One statement per booking (prepared, as the app's is), nothing else: no
 * quota, no consent, no search index, no audit, no sealed token. The app is measured against it
 * to see what its schema and features add to every booking (docs/performance.md).
 * Run: node -r ts-node/register bench/least-cost.ts (DATABASE_URL, PORT, POOL_SIZE)
 */
import { randomUUID } from 'node:crypto';
import { createServer, ServerResponse } from 'node:http';
import { Client, Pool } from 'pg';
import { named, newReference, readJson, send } from './baseline';

export const LEAST_COST_SCHEMA = `
  CREATE TABLE slot (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
    capacity int NOT NULL, booked_count int NOT NULL DEFAULT 0,
    status varchar(10) NOT NULL DEFAULT 'open');
  CREATE INDEX slot_starts_at_idx ON slot (starts_at);
  CREATE TABLE patient (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(254) NOT NULL, date_of_birth date NOT NULL,
    first_name varchar(100) NOT NULL, last_name varchar(100) NOT NULL, phone varchar(32),
    UNIQUE (email, date_of_birth));
  CREATE TABLE booking (
    id uuid PRIMARY KEY, reference varchar(16) NOT NULL UNIQUE,
    slot_id uuid NOT NULL REFERENCES slot, patient_id uuid NOT NULL REFERENCES patient,
    status varchar(10) NOT NULL DEFAULT 'booked', created_at timestamptz NOT NULL DEFAULT now());
  CREATE UNIQUE INDEX booking_one_active_idx ON booking (patient_id, slot_id) WHERE status = 'booked';
  CREATE TABLE notification (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    booking_id uuid NOT NULL REFERENCES booking, kind varchar(30) NOT NULL,
    status varchar(10) NOT NULL DEFAULT 'pending', not_before timestamptz NOT NULL);
  CREATE INDEX notification_due_idx ON notification (not_before) WHERE status = 'pending';`;

/**
 * $1 slot, $2 earliest start, $3-$7 the patient (email, date of birth, first and last name,
 * phone), $8 booking id, $9 reference, $10 when the reminder falls due.
 */
export const LEAST_COST_BOOK_SQL = `
  WITH place AS (
    UPDATE slot SET booked_count = booked_count + 1
    WHERE id = $1 AND status = 'open' AND booked_count < capacity AND starts_at > $2
    RETURNING id, starts_at, ends_at),
  patient_row AS (
    INSERT INTO patient (email, date_of_birth, first_name, last_name, phone)
    SELECT $3, $4, $5, $6, $7 FROM place
    ON CONFLICT (email, date_of_birth) DO UPDATE SET first_name = EXCLUDED.first_name
    RETURNING id),
  new_booking AS (
    INSERT INTO booking (id, reference, slot_id, patient_id)
    SELECT $8, $9, place.id, patient_row.id FROM place, patient_row
    RETURNING id, created_at),
  emails AS (
    INSERT INTO notification (booking_id, kind, not_before)
    SELECT new_booking.id, kind, due FROM new_booking,
      (VALUES ('booking_confirmed', 'infinity'::timestamptz), ('reminder', $10::timestamptz)) AS e (kind, due))
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place.starts_at AS "startsAt", place.ends_at AS "endsAt"
  FROM place, new_booking`;

/** The same volume as the app's database: slots, patients and bookings, in a few statements. */
export async function seedLeastCost(
  db: Client,
  volume: { slots: number; patients: number; bookings: number },
) {
  await db.query(LEAST_COST_SCHEMA);
  await db.query(
    `INSERT INTO slot (starts_at, ends_at, capacity, booked_count)
     SELECT now() + make_interval(mins => 30 * g), now() + make_interval(mins => 30 * g + 30), 4, 0
     FROM generate_series(1, $1::int) AS g`,
    [volume.slots],
  );
  await db.query(
    `INSERT INTO patient (email, date_of_birth, first_name, last_name, phone)
     SELECT 'patient' || g || '@example.nl', date '1950-01-01' + g % 20000, 'Anna', 'de Vries ' || g, '+31612345678'
     FROM generate_series(1, $1::int) AS g`,
    [volume.patients],
  );
  await db.query(
    `WITH s AS (SELECT id, row_number() OVER (ORDER BY starts_at) AS n FROM slot),
          p AS (SELECT id, row_number() OVER (ORDER BY email) AS n FROM patient)
     INSERT INTO booking (id, reference, slot_id, patient_id)
     SELECT gen_random_uuid(), 'B12-' || g, s.id, p.id
     FROM generate_series(1, $1::int) AS g
     JOIN s ON s.n = 1 + g % $2::int JOIN p ON p.n = 1 + g % $3::int`,
    [volume.bookings, volume.slots, volume.patients],
  );
  await db.query(
    `INSERT INTO notification (booking_id, kind, status, not_before)
     SELECT id, kind, 'sent', created_at FROM booking, (VALUES ('booking_confirmed'), ('reminder')) AS k (kind)`,
  );
}

if (require.main === module) {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL_SIZE ?? 20),
    min: Number(process.env.POOL_SIZE ?? 20),
  });
  const book = async (body: Record<string, unknown>, res: ServerResponse) => {
    const patient = body.patient as Record<string, string>;
    const now = Date.now();
    const reference = newReference();
    const { rows } = await pool.query(
      named('book', LEAST_COST_BOOK_SQL, [
        body.slotId,
        new Date(now + 3600_000),
        patient.email.toLowerCase(),
        patient.dateOfBirth,
        patient.firstName,
        patient.lastName,
        patient.phone,
        randomUUID(),
        reference,
        new Date(now + 86_400_000),
      ]),
    );
    if (rows.length === 0) return send(res, 409, { status: 409, detail: 'This slot is fully booked.' });
    send(res, 201, { ...rows[0], reference, status: 'booked', slot: { id: body.slotId } });
  };
  createServer((req, res) => {
    const handle = async () => {
      if (req.method === 'POST' && req.url === '/api/v1/bookings') return book(await readJson(req), res);
      send(res, 404, { status: 404 });
    };
    handle().catch((error: Error) => send(res, 500, { status: 500, detail: error.message }));
  }).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('least-cost ready\n'));
}
