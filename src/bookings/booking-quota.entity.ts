import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The online bookings of one patient identity (an email address with its aliases folded, and a
 * date of birth), so that MAX_ACTIVE_BOOKINGS_PER_PATIENT holds under concurrency: the booking
 * statement locks this row and decides on its latest version. The identity is a SHA-256, and
 * the entries hold booking ids and when they were taken, nothing personal.
 */
@Entity('booking_quota')
export class BookingQuota {
  /** SHA-256 (hex) of the canonical email and the date of birth. */
  @PrimaryColumn({ type: 'char', length: 64 })
  identity: string;

  /** `[{ "id": booking id, "at": when it was taken }]`: pruned of inactive ones on each booking. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  entries: { id: string; at: string }[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
