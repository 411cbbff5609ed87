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
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "booking_quota"
        `);
  }
}
