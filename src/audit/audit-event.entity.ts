import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const ACTOR_TYPES = ['staff', 'patient', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * Who did what to which record, when, in which request. Holds ids only, never personal
 * details: it must outlive an erasure without undoing it.
 */
@Entity('audit_event')
@Index('audit_event_created_idx', ['createdAt'])
@Index('audit_event_record_idx', ['recordType', 'recordId'])
@Index('audit_event_actor_idx', ['actorId', 'createdAt'])
@Check('audit_event_actor_type_valid', `"actor_type" IN ('staff', 'patient', 'system')`)
export class AuditEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'actor_type', type: 'varchar', length: 10 })
  actorType: ActorType;

  /** The staff member's id; null for patients (they have no account) and the system. */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  /** e.g. `booking.update`, `patient.erase`, `auth.login_failed`. */
  @Column({ type: 'varchar', length: 50 })
  action: string;

  @Column({ name: 'record_type', type: 'varchar', length: 30, nullable: true })
  recordType: string | null;

  @Column({ name: 'record_id', type: 'varchar', length: 64, nullable: true })
  recordId: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  /** Why, when staff gave a reason (an attendance correction); cleared by the patient's erasure. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
