import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { StaffRole } from '../common/access';

@Entity('staff')
@Index('staff_email_unique', ['email'], { unique: true })
@Check('staff_role_valid', `"role" IN ('admin', 'receptionist')`)
@Check('staff_email_lower', `"email" = lower("email")`)
export class Staff {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased, so that the unique index is case-insensitive. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** argon2id, PHC string format. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'varchar', length: 20 })
  role: StaffRole;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
