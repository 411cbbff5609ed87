import { MigrationInterface, QueryRunner } from 'typeorm';

export class BookingQuota1795632100000 implements MigrationInterface {
  name = 'BookingQuota1795632100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per patient identity (a hash of the canonical email and the date of birth): the
    // booking statement locks it to hold MAX_ACTIVE_BOOKINGS_PER_PATIENT under concurrency.
    await queryRunner.query(`
            CREATE TABLE "booking_quota" (
                "identity" character(64) NOT NULL,
                "entries" jsonb NOT NULL DEFAULT '[]',
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a591e35c09512369970f6267056" PRIMARY KEY ("identity")
            )
        `);
    // Written by hand: the entries of a quota that still count at `at` (see booking-quota.ts).
    // A PL/pgSQL function, so that its queries are planned once per connection: written inline
    // in the booking statement's ON CONFLICT clause, they were planned on every booking and
    // cost a fifth of its throughput.
    await queryRunner.query(`
            CREATE FUNCTION booking_quota_live(entries jsonb, at timestamptz) RETURNS jsonb
            LANGUAGE plpgsql STABLE AS $$
            BEGIN
              RETURN (
                SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(entries) AS e
                WHERE EXISTS (SELECT 1 FROM booking b JOIN slot s ON s.id = b.slot_id
                              WHERE b.id = (e->>'id')::uuid AND b.status = 'booked' AND s.starts_at > at)
                   OR (NOT EXISTS (SELECT 1 FROM booking b WHERE b.id = (e->>'id')::uuid)
                       AND (e->>'at')::timestamptz > at - interval '1 minute'));
            END $$
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION booking_quota_live(jsonb, timestamptz)`);
    await queryRunner.query(`
            DROP TABLE "booking_quota"
        `);
  }
}
