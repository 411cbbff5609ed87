import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = `'booking_confirmed', 'booking_cancelled', 'booking_rescheduled', 'reminder', 'staff_new_booking', 'slot_cancelled', 'staff_booking_cancelled', 'staff_booking_rescheduled'`;

export class BookingLookup1795632500000 implements MigrationInterface {
  name = 'BookingLookup1795632500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // "Lost your link?": one email listing a patient's upcoming bookings with fresh links.
    await queryRunner.query(`ALTER TABLE "notification" DROP CONSTRAINT "notification_kind_valid"`);
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD CONSTRAINT "notification_kind_valid" CHECK ("kind" IN (${KINDS}, 'booking_lookup'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "notification" WHERE "kind" = 'booking_lookup'`);
    await queryRunner.query(`ALTER TABLE "notification" DROP CONSTRAINT "notification_kind_valid"`);
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD CONSTRAINT "notification_kind_valid" CHECK ("kind" IN (${KINDS}))
        `);
  }
}
