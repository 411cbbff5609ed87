import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The operator alert's state, one row shared by every instance: when an alert was last tried
 * (so that at most one goes out per ALERT_INTERVAL_MINUTES, whichever instance sends it), and
 * up to when dead emails have been reported.
 */
@Entity('outbox_alert')
@Check('outbox_alert_single_row', `"id" = 1`)
export class OutboxAlert {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id: number;

  @Column({ name: 'last_tried_at', type: 'timestamptz', nullable: true })
  lastTriedAt: Date | null;

  /** Dead emails up to this time (their updated_at) were in an alert that was sent; NULL: none yet. */
  @Column({ name: 'dead_reported_until', type: 'timestamptz', nullable: true })
  deadReportedUntil: Date | null;
}
