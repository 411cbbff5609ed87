import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePatientBookingIdempotency1795629936225 implements MigrationInterface {
  name = 'CreatePatientBookingIdempotency1795629936225';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "patient" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "first_name" character varying(100) NOT NULL,
                "last_name" character varying(100) NOT NULL,
                "email" character varying(254) NOT NULL,
                "phone" character varying(16) NOT NULL,
                "date_of_birth" date NOT NULL,
                "locale" character varying(2) NOT NULL DEFAULT 'en',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "patient_locale_valid" CHECK ("locale" IN ('en', 'nl')),
                CONSTRAINT "patient_email_lower" CHECK ("email" = lower("email")),
                CONSTRAINT "PK_8dfa510bb29ad31ab2139fbfb99" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "patient_email_dob_unique" ON "patient" ("email", "date_of_birth")
        `);
    await queryRunner.query(`
            CREATE TABLE "booking" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "reference" character varying(16) NOT NULL,
                "slot_id" uuid NOT NULL,
                "patient_id" uuid NOT NULL,
                "status" character varying(20) NOT NULL DEFAULT 'booked',
                "manage_token_hash" character(64) NOT NULL,
                "notes" text,
                "cancelled_at" TIMESTAMP WITH TIME ZONE,
                "cancel_reason" text,
                "cancelled_by" character varying(10),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "booking_cancelled_by_valid" CHECK (
                    "cancelled_by" IS NULL
                    OR "cancelled_by" IN ('patient', 'staff')
                ),
                CONSTRAINT "booking_status_valid" CHECK (
                    "status" IN ('booked', 'cancelled', 'attended', 'no_show')
                ),
                CONSTRAINT "PK_49171efc69702ed84c812f33540" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "booking_slot_idx" ON "booking" ("slot_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "booking_one_active_per_patient" ON "booking" ("patient_id", "slot_id")
            WHERE "status" = 'booked'
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "booking_reference_unique" ON "booking" ("reference")
        `);
    await queryRunner.query(`
            CREATE TABLE "idempotency_key" (
                "key" character varying(255) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "status_code" integer,
                "response" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "completed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_fc9ce4ebc11d09b2e28198f69b8" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "idempotency_key_created_idx" ON "idempotency_key" ("created_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD CONSTRAINT "booking_slot_fk" FOREIGN KEY ("slot_id") REFERENCES "slot"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "booking"
            ADD CONSTRAINT "booking_patient_fk" FOREIGN KEY ("patient_id") REFERENCES "patient"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "booking" DROP CONSTRAINT "booking_patient_fk"
        `);
    await queryRunner.query(`
            ALTER TABLE "booking" DROP CONSTRAINT "booking_slot_fk"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."idempotency_key_created_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "idempotency_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."booking_reference_unique"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."booking_one_active_per_patient"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."booking_slot_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "booking"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."patient_email_dob_unique"
        `);
    await queryRunner.query(`
            DROP TABLE "patient"
        `);
  }
}
