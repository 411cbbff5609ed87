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
import { Patient } from '../patients/patient.entity';
import { Slot } from '../slots/slot.entity';

export const BOOKING_STATUSES = ['booked', 'cancelled', 'attended', 'no_show'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Who made a booking: the patient online, or staff for a patient on the phone. */
export const BOOKING_SOURCES = ['online', 'staff'] as const;
export type BookingSource = (typeof BOOKING_SOURCES)[number];

@Entity('booking')
@Index('booking_reference_unique', ['reference'], { unique: true })
@Index('booking_one_active_per_patient', ['patientId', 'slotId'], {
  unique: true,
  where: `"status" = 'booked'`,
})
@Index('booking_slot_idx', ['slotId'])
@Index('booking_patient_idx', ['patientId'])
@Index('booking_created_idx', ['createdAt'])
@Check('booking_status_valid', `"status" IN ('booked', 'cancelled', 'attended', 'no_show')`)
@Check('booking_source_valid', `"source" IN ('online', 'staff')`)
@Check('booking_cancelled_by_valid', `"cancelled_by" IS NULL OR "cancelled_by" IN ('patient', 'staff')`)
export class Booking {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Short and human-friendly, e.g. B12-7KQ4M9: what a patient reads out on the phone. */
  @Column({ type: 'varchar', length: 16 })
  reference: string;

  @Column({ name: 'slot_id', type: 'uuid' })
  slotId: string;

  @ManyToOne(() => Slot, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'slot_id', foreignKeyConstraintName: 'booking_slot_fk' })
  slot?: Slot;

  @Column({ name: 'patient_id', type: 'uuid' })
  patientId: string;

  @ManyToOne(() => Patient, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'patient_id', foreignKeyConstraintName: 'booking_patient_fk' })
  patient?: Patient;

  @Column({ type: 'varchar', length: 20, default: 'booked' })
  status: BookingStatus;

  /** SHA-256 (hex) of the manage token; the token itself is shown once and never stored. */
  @Column({ name: 'manage_token_hash', type: 'char', length: 64 })
  manageTokenHash: string;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ type: 'varchar', length: 10, default: 'online' })
  source: BookingSource;

  /**
   * When the patient agreed to the clinic's privacy notice for this booking (online bookings);
   * null for bookings made by staff and those made before consent was asked.
   */
  @Column({ name: 'consent_at', type: 'timestamptz', nullable: true })
  consentAt: Date | null;

  /**
   * The name and phone as submitted with this booking. A booking never changes the patient's
   * record (anyone who knows an email and date of birth could otherwise rewrite it); staff see
   * when these differ from the record. Null on bookings made before they were kept.
   */
  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 100, nullable: true })
  lastName: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  phone: string | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  @Column({ name: 'cancelled_by', type: 'varchar', length: 10, nullable: true })
  cancelledBy: 'patient' | 'staff' | null;

  /** SEQUENCE of the booking's calendar event: goes up with each reschedule or cancellation. */
  @Column({ name: 'ics_sequence', type: 'integer', default: 0 })
  icsSequence: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
