import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Locale } from '../common/locale';

/**
 * A patient, without an account: the same email (case-insensitive, stored lower-cased) and
 * date of birth is the same person, found again rather than duplicated.
 */
@Entity('patient')
@Index('patient_email_dob_unique', ['email', 'dateOfBirth'], { unique: true })
@Check('patient_email_lower', `"email" = lower("email")`)
@Check('patient_locale_valid', `"locale" IN ('en', 'nl')`)
// Trigram index over the accent-free, lower-cased names, email and phone (see the migration:
// an expression index TypeORM cannot declare, so it leaves it alone).
@Index('patient_search_trgm', { synchronize: false })
export class Patient {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'first_name', type: 'varchar', length: 100 })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: 100 })
  lastName: string;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** E.164, e.g. +31612345678. */
  @Column({ type: 'varchar', length: 16 })
  phone: string;

  @Column({ name: 'date_of_birth', type: 'date' })
  dateOfBirth: string;

  @Column({ type: 'varchar', length: 2, default: 'en' })
  locale: Locale;

  /** Set when the personal data was erased (GDPR art. 17); the row stays for statistics. */
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
