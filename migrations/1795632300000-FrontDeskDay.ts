import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = `'booking_confirmed', 'booking_cancelled', 'booking_rescheduled', 'reminder', 'staff_new_booking', 'slot_cancelled'`;

export class FrontDeskDay1795632300000 implements MigrationInterface {
  name = 'FrontDeskDay1795632300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Days the clinic is closed (local dates, both included); never overlapping.
    await queryRunner.query(`
            CREATE TABLE "closure" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "from_date" date NOT NULL,
                "to_date" date NOT NULL,
                "reason" character varying(500) NOT NULL,
                "cancel_bookings" boolean NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "closure_dates_in_order" CHECK ("to_date" >= "from_date"),
                CONSTRAINT "closure_no_overlap" EXCLUDE USING gist (daterange("from_date", "to_date", '[]') WITH &&),
                CONSTRAINT "PK_320f18692cc9062c46e6081d808" PRIMARY KEY ("id")
            )
        `);
    // Who made the booking: the patient online (every booking so far) or staff on the phone.
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "source" character varying(10) NOT NULL DEFAULT 'online'
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD CONSTRAINT "booking_source_valid" CHECK ("source" IN ('online', 'staff'))
        `);
    // The front desk is told of patients' cancellations and reschedules too.
    await queryRunner.query(`ALTER TABLE "notification" DROP CONSTRAINT "notification_kind_valid"`);
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD CONSTRAINT "notification_kind_valid" CHECK ("kind" IN (${KINDS}, 'staff_booking_cancelled', 'staff_booking_rescheduled'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "notification" WHERE "kind" IN ('staff_booking_cancelled', 'staff_booking_rescheduled')`,
    );
    await queryRunner.query(`ALTER TABLE "notification" DROP CONSTRAINT "notification_kind_valid"`);
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD CONSTRAINT "notification_kind_valid" CHECK ("kind" IN (${KINDS}))
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP CONSTRAINT "booking_source_valid"
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "source"
        `);
    await queryRunner.query(`
            DROP TABLE "closure"
        `);
  }
}
