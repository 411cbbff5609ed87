import { MigrationInterface, QueryRunner } from 'typeorm';

export class BookingKeepsSubmittedDetails1795632000000 implements MigrationInterface {
  name = 'BookingKeepsSubmittedDetails1795632000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A booking keeps the name and phone it was submitted with; the patient's record is no
    // longer overwritten by each booking. Nullable: earlier bookings did not keep them.
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "first_name" character varying(100)
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "last_name" character varying(100)
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "phone" character varying(16)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "phone"
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "last_name"
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "first_name"
        `);
  }
}
