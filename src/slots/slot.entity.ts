import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Exclusion,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const SLOT_STATUSES = ['open', 'closed', 'cancelled'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

/**
 * One assessment appointment time. `capacity` chairs in parallel; `booked_count` places taken.
 * The database itself refuses overbooking (CHECK) and overlapping non-cancelled slots
 * (exclusion constraint over the half-open range [starts_at, ends_at)).
 */
@Entity('slot')
@Exclusion(
  'slot_no_overlap',
  `USING gist (tstzrange("starts_at", "ends_at", '[)') WITH &&) WHERE ("status" <> 'cancelled')`,
)
@Check('slot_capacity_positive', `"capacity" >= 1`)
@Check('slot_booked_within_capacity', `"booked_count" >= 0 AND "booked_count" <= "capacity"`)
@Check('slot_ends_after_start', `"ends_at" > "starts_at"`)
@Check('slot_status_valid', `"status" IN ('open', 'closed', 'cancelled')`)
// Staff listing by time (any status).
@Index('slot_starts_at_idx', ['startsAt', 'id'])
// Public availability: open slots, in start order, keyset-paginated on (starts_at, id). No index
// may involve booked_count: each booking changes it, and only then is that change written in
// place (a HOT update) instead of into every index (see migration SlotInPlaceUpdates).
@Index('slot_bookable_idx', ['startsAt', 'id'], { where: `"status" = 'open'` })
export class Slot {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'integer' })
  capacity: number;

  @Column({ name: 'booked_count', type: 'integer', default: 0 })
  bookedCount: number;

  @Column({ type: 'varchar', length: 20, default: 'open' })
  status: SlotStatus;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
