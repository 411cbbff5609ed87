import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const NOTIFICATION_KINDS = [
  'booking_confirmed',
  'booking_cancelled',
  'booking_rescheduled',
  'reminder',
  'staff_new_booking',
  'slot_cancelled',
  'staff_booking_cancelled',
  'staff_booking_rescheduled',
  'booking_lookup',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The kinds sent to the front desk (FRONT_DESK_EMAIL), not to the patient. */
export const FRONT_DESK_KINDS = [
  'staff_new_booking',
  'staff_booking_cancelled',
  'staff_booking_rescheduled',
] as const;

/** `column IN (…the front desk's kinds…)`, for statements; `column` is SQL written here. */
export const isFrontDeskKindSql = (column: string) =>
  `${column} IN (${FRONT_DESK_KINDS.map((kind) => `'${kind}'`).join(', ')})`;

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'dead', 'skipped'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** What an email says, captured when the change that causes it commits. */
export interface NotificationPayload {
  reference: string;
  slotId: string;
  startsAt: string;
  endsAt: string;
  firstName: string;
  lastName: string;
  /** iCalendar SEQUENCE of the booking's event at this change. */
  sequence: number;
  reason?: string;
  previousStartsAt?: string;
  /** booking_lookup: the patient's upcoming bookings (the sealed secret maps each reference to its token). */
  bookings?: { reference: string; startsAt: string }[];
}

/**
 * The outbox: one row per email, written in the transaction of the change that causes it and
 * delivered by the dispatcher. `locked_until`/`locked_by` are a dispatcher's lease on the row.
 */
@Entity('notification')
@Index('notification_due_idx', ['notBefore'], { where: `"status" IN ('pending', 'failed')` })
@Index('notification_booking_idx', ['bookingId'])
@Index('notification_status_created_idx', ['status', 'createdAt'])
@Check(
  'notification_kind_valid',
  `"kind" IN ('booking_confirmed', 'booking_cancelled', 'booking_rescheduled', 'reminder', 'staff_new_booking', 'slot_cancelled', 'staff_booking_cancelled', 'staff_booking_rescheduled', 'booking_lookup')`,
)
@Check('notification_status_valid', `"status" IN ('pending', 'sent', 'failed', 'dead', 'skipped')`)
export class Notification {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'booking_id', type: 'uuid', nullable: true })
  bookingId: string | null;

  // Named by string: the outbox does not import the bookings module that writes into it.
  @ManyToOne('Booking', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'booking_id', foreignKeyConstraintName: 'notification_booking_fk' })
  booking?: unknown;

  @Column({ type: 'varchar', length: 30 })
  kind: NotificationKind;

  @Column({ type: 'varchar', length: 254 })
  recipient: string;

  @Column({ type: 'varchar', length: 2 })
  locale: 'en' | 'nl';

  @Column({ type: 'varchar', length: 10, default: 'pending' })
  status: NotificationStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'not_before', type: 'timestamptz', default: () => 'now()' })
  notBefore: Date;

  /** When its first send failed, while it is still to be sent (how long email has been stuck). */
  @Column({ name: 'first_failed_at', type: 'timestamptz', nullable: true })
  firstFailedAt: Date | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'message_id', type: 'varchar', length: 255, nullable: true })
  messageId: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ type: 'jsonb' })
  payload: NotificationPayload;

  /** The manage token, sealed (SecretBox), for the link in the email; cleared once settled. */
  @Column({ type: 'text', nullable: true })
  secret: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
