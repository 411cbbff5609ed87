import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A client's `Idempotency-Key` and what it led to. While `completed_at` is null the first
 * request is still running. The stored answer is encrypted (it holds the manage token and
 * the patient's details) and kept for 24 hours.
 */
@Entity('idempotency_key')
@Index('idempotency_key_created_idx', ['createdAt'])
export class IdempotencyKey {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  /** SHA-256 (hex) of the request body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  /** AES-256-GCM ciphertext of the response body (iv, tag, data; base64url). */
  @Column({ type: 'text', nullable: true })
  response: string | null;

  /** The booking the answer describes, so that erasing a patient can find their answers. */
  @Column({ name: 'booking_id', type: 'uuid', nullable: true })
  bookingId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
