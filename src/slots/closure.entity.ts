import { Check, Column, CreateDateColumn, Entity, Exclusion, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The clinic closed on local dates `from_date` to `to_date` (both included, the clinic's time
 * zone): its slots were closed or cancelled when it was made, and no slot is created on those
 * dates while it stands. Closures never overlap (an exclusion constraint).
 */
@Entity('closure')
@Exclusion('closure_no_overlap', `USING gist (daterange("from_date", "to_date", '[]') WITH &&)`)
@Check('closure_dates_in_order', `"to_date" >= "from_date"`)
export class Closure {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'from_date', type: 'date' })
  fromDate: string;

  @Column({ name: 'to_date', type: 'date' })
  toDate: string;

  /** Why: told to each patient whose booking it cancelled. */
  @Column({ type: 'varchar', length: 500 })
  reason: string;

  /** Whether its slots were cancelled with their bookings (else only closed to new bookings). */
  @Column({ name: 'cancel_bookings', type: 'boolean' })
  cancelBookings: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
