import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditReason1795632200000 implements MigrationInterface {
  name = 'AuditReason1795632200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The reason staff give for a correction (attendance), kept with its audit entry.
    await queryRunner.query(`
            ALTER TABLE "audit_event"
            ADD "reason" character varying(500)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "audit_event" DROP COLUMN "reason"
        `);
  }
}
