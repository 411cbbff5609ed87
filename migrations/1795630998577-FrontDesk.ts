import { MigrationInterface, QueryRunner } from 'typeorm';

export class FrontDesk1795630998577 implements MigrationInterface {
  name = 'FrontDesk1795630998577';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Written by hand: staff search names, email and phone case- and accent-insensitively
    // ("Müller" finds "muller") through a trigram index. unaccent() is not immutable (its
    // dictionary could change), so an index needs this immutable wrapper; both extensions
    // are "trusted", so a database owner may create them.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`
            CREATE FUNCTION patient_search_text(first_name text, last_name text, email text, phone text)
            RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary,
                coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))) $$
        `);
    await queryRunner.query(`
            CREATE INDEX "patient_search_trgm" ON "patient"
            USING gin (patient_search_text("first_name", "last_name", "email", "phone") gin_trgm_ops)
        `);
    await queryRunner.query(`
            CREATE TABLE "audit_event" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "actor_type" character varying(10) NOT NULL,
                "actor_id" uuid,
                "action" character varying(50) NOT NULL,
                "record_type" character varying(30),
                "record_id" character varying(64),
                "request_id" character varying(128),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "audit_event_actor_type_valid" CHECK ("actor_type" IN ('staff', 'patient', 'system')),
                CONSTRAINT "PK_481efbe8b0a403efe3f47a6528f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_event_actor_idx" ON "audit_event" ("actor_id", "created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_event_record_idx" ON "audit_event" ("record_type", "record_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_event_created_idx" ON "audit_event" ("created_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "patient"
            ADD "erased_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "idempotency_key"
            ADD "booking_id" uuid
        `);
    await queryRunner.query(`
            CREATE INDEX "booking_created_idx" ON "booking" ("created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "booking_patient_idx" ON "booking" ("patient_id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."booking_patient_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."booking_created_idx"
        `);
    await queryRunner.query(`
            ALTER TABLE "idempotency_key" DROP COLUMN "booking_id"
        `);
    await queryRunner.query(`
            ALTER TABLE "patient" DROP COLUMN "erased_at"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."audit_event_created_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."audit_event_record_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."audit_event_actor_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "audit_event"
        `);
    await queryRunner.query(`DROP INDEX "public"."patient_search_trgm"`);
    await queryRunner.query(`DROP FUNCTION patient_search_text(text, text, text, text)`);
    // The extensions stay: other objects may use them, and dropping needs more rights.
  }
}
