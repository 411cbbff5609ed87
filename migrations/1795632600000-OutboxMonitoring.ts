import { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxMonitoring1795632600000 implements MigrationInterface {
  name = 'OutboxMonitoring1795632600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // ALERT_EMAIL's state, one row for every instance: at most one alert per interval.
    await queryRunner.query(`
            CREATE TABLE "outbox_alert" (
                "id" smallint NOT NULL DEFAULT '1',
                "last_tried_at" TIMESTAMP WITH TIME ZONE,
                "dead_reported_until" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "outbox_alert_single_row" CHECK ("id" = 1),
                CONSTRAINT "PK_cd6c2ef76b4c9d6b2cdd364b1bc" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`INSERT INTO "outbox_alert" ("id") VALUES (1)`);
    // How long an email whose sends fail has been stuck (the metrics, the alert).
    await queryRunner.query(`
            ALTER TABLE "notification"
            ADD "first_failed_at" TIMESTAMP WITH TIME ZONE
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "notification" DROP COLUMN "first_failed_at"
        `);
    await queryRunner.query(`
            DROP TABLE "outbox_alert"
        `);
  }
}
