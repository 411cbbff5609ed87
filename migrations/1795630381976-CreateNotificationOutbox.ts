import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotificationOutbox1795630381976 implements MigrationInterface {
  name = 'CreateNotificationOutbox1795630381976';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "notification" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "booking_id" uuid,
                "kind" character varying(30) NOT NULL,
                "recipient" character varying(254) NOT NULL,
                "locale" character varying(2) NOT NULL,
                "status" character varying(10) NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT '0',
                "not_before" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "locked_until" TIMESTAMP WITH TIME ZONE,
                "locked_by" character varying(64),
                "last_error" text,
                "message_id" character varying(255),
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "payload" jsonb NOT NULL,
                "secret" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "notification_status_valid" CHECK (
                    "status" IN ('pending', 'sent', 'failed', 'dead', 'skipped')
                ),
                CONSTRAINT "notification_kind_valid" CHECK (
                    "kind" IN (
                        'booking_confirmed',
                        'booking_cancelled',
                        'booking_rescheduled',
                        'reminder',
                        'staff_new_booking',
                        'slot_cancelled'
                    )
                ),
                CONSTRAINT "PK_705b6c7cdf9b2c2ff7ac7872cb7" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "notification_status_created_idx" ON "notification" ("status", "created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "notification_booking_idx" ON "notification" ("booking_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "notification_due_idx" ON "notification" ("not_before")
            WHERE "status" IN ('pending', 'failed')
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD "ics_sequence" integer NOT NULL DEFAULT '0'
        `);
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD CONSTRAINT "notification_booking_fk" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "notification" DROP CONSTRAINT "notification_booking_fk"
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP COLUMN "ics_sequence"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."notification_due_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."notification_booking_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."notification_status_created_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "notification"
        `);
  }
}
