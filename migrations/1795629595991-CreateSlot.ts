import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSlot1795629595991 implements MigrationInterface {
  name = 'CreateSlot1795629595991';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "slot" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "capacity" integer NOT NULL,
                "booked_count" integer NOT NULL DEFAULT '0',
                "status" character varying(20) NOT NULL DEFAULT 'open',
                "notes" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "slot_status_valid" CHECK ("status" IN ('open', 'closed', 'cancelled')),
                CONSTRAINT "slot_ends_after_start" CHECK ("ends_at" > "starts_at"),
                CONSTRAINT "slot_booked_within_capacity" CHECK (
                    "booked_count" >= 0
                    AND "booked_count" <= "capacity"
                ),
                CONSTRAINT "slot_capacity_positive" CHECK ("capacity" >= 1),
                CONSTRAINT "slot_no_overlap" EXCLUDE USING gist (tstzrange("starts_at", "ends_at", '[)') WITH &&)
                WHERE ("status" <> 'cancelled'),
                    CONSTRAINT "PK_5b1f733c4ba831a51f3c114607b" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "slot_bookable_idx" ON "slot" ("starts_at", "id")
            WHERE "status" = 'open'
                AND "booked_count" < "capacity"
        `);
    await queryRunner.query(`
            CREATE INDEX "slot_starts_at_idx" ON "slot" ("starts_at", "id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."slot_starts_at_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."slot_bookable_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "slot"
        `);
  }
}
