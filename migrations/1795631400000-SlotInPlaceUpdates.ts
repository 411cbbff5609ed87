import { MigrationInterface, QueryRunner } from 'typeorm';

export class SlotInPlaceUpdates1795631400000 implements MigrationInterface {
  name = 'SlotInPlaceUpdates1795631400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Written by hand. Every booking, cancellation and reschedule changes a slot's
    // booked_count. While booked_count was part of slot_bookable_idx's condition, PostgreSQL
    // could not update the row in place (a HOT update): each change wrote a new entry into
    // every index of the table, the exclusion constraint's GiST index included, left a dead
    // one behind in each, and a rush on one slot bloated its index entries until autovacuum
    // cleaned up, stalling bookings meanwhile. The index now holds the open slots; the few
    // full ones in a window are skipped by a filter. Pages keep a tenth free, so that the new
    // version of a row fits on its page (existing pages gain that room as they are vacuumed;
    // no rewrite of the table, which would lock it).
    await queryRunner.query(`DROP INDEX "public"."slot_bookable_idx"`);
    await queryRunner.query(`
            CREATE INDEX "slot_bookable_idx" ON "slot" ("starts_at", "id")
            WHERE "status" = 'open'
        `);
    await queryRunner.query(`ALTER TABLE "slot" SET (fillfactor = 90)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "slot" RESET (fillfactor)`);
    await queryRunner.query(`DROP INDEX "public"."slot_bookable_idx"`);
    await queryRunner.query(`
            CREATE INDEX "slot_bookable_idx" ON "slot" ("starts_at", "id")
            WHERE "status" = 'open'
                AND "booked_count" < "capacity"
        `);
  }
}
