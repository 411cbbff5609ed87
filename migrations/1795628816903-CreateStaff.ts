import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateStaff1795628816903 implements MigrationInterface {
  name = 'CreateStaff1795628816903';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "staff" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "email" character varying(254) NOT NULL,
                "password_hash" text NOT NULL,
                "role" character varying(20) NOT NULL,
                "active" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "staff_email_lower" CHECK ("email" = lower("email")),
                CONSTRAINT "staff_role_valid" CHECK ("role" IN ('admin', 'receptionist')),
                CONSTRAINT "PK_e4ee98bb552756c180aec1e854a" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "staff_email_unique" ON "staff" ("email")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."staff_email_unique"
        `);
    await queryRunner.query(`
            DROP TABLE "staff"
        `);
  }
}
