import { MigrationInterface, QueryRunner } from 'typeorm';

export class BookingConsent1795632400000 implements MigrationInterface {
  name = 'BookingConsent1795632400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // When the patient agreed to the privacy notice for an online booking.
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "consent_at" TIMESTAMP WITH TIME ZONE
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "consent_at"
        `);
  }
}
