/**
 * Fills the database fast for scale tests and the benchmark: `slots` future slots of
 * capacity 10, `patients` patients and `bookings` bookings spread over both (one statement each).
 */
export async function seedVolume(
  dataSource: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  counts: { slots: number; patients: number; bookings: number },
) {
  await dataSource.query(
    `INSERT INTO slot (starts_at, ends_at, capacity, booked_count)
     SELECT date_trunc('hour', now()) + make_interval(days => 1, mins => 30 * g),
            date_trunc('hour', now()) + make_interval(days => 1, mins => 30 * g + 30), 10, 0
     FROM generate_series(1, $1) AS g`,
    [counts.slots],
  );
  await dataSource.query(
    `INSERT INTO patient (first_name, last_name, email, phone, date_of_birth)
     SELECT 'First' || g, 'Last' || g, 'seed' || g || '@example.nl', '+3161' || lpad(g::text, 7, '0'),
            DATE '1950-01-01' + (g % 15000)
     FROM generate_series(1, $1) AS g`,
    [counts.patients],
  );
  await dataSource.query(
    `WITH s AS (SELECT array_agg(id ORDER BY starts_at) AS ids FROM slot WHERE status = 'open'),
          p AS (SELECT array_agg(id ORDER BY email) AS ids FROM patient)
     INSERT INTO booking (reference, slot_id, patient_id, manage_token_hash)
     SELECT 'B12-' || upper(lpad(to_hex(g), 6, '0')), s.ids[1 + g % cardinality(s.ids)], p.ids[1 + g % cardinality(p.ids)],
            repeat('0', 64)
     FROM generate_series(1, $1) AS g, s, p`,
    [counts.bookings],
  );
  await dataSource.query(
    `UPDATE slot SET booked_count = c.n FROM (SELECT slot_id, count(*)::int AS n FROM booking GROUP BY slot_id) c
     WHERE c.slot_id = slot.id`,
  );
  await dataSource.query('ANALYZE');
}
