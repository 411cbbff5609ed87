import { Injectable } from '@nestjs/common';
import { updateReturning } from '../common/sql';
import type { EntityManager } from 'typeorm';
import type { Locale } from '../common/locale';

/**
 * Finds the patient with this email and date of birth, or creates them, in one statement (so
 * two bookings at once cannot make two patients); newer name, phone and language replace the
 * stored ones. Parameters $1 to $6 are PatientDetails in order; `from`, SQL written here and
 * never input, is a FROM clause: the patient is written if it has a row, else nothing is. Part of
 * the booking statement (BOOK_SQL), which the benchmark's baseline runs too.
 */
export function upsertPatientSql(from: string): string {
  return `
  INSERT INTO patient (first_name, last_name, email, phone, date_of_birth, locale)
  SELECT $1, $2, $3, $4, $5, $6 ${from}
  ON CONFLICT (email, date_of_birth) DO UPDATE SET
    first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
    phone = EXCLUDED.phone, locale = EXCLUDED.locale, updated_at = now()
  RETURNING id`;
}

export interface PatientDetails {
  firstName: string;
  lastName: string;
  /** Lower-cased. */
  email: string;
  /** E.164. */
  phone: string;
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  locale: Locale;
}

@Injectable()
export class PatientsService {
  /**
   * Erasure of the patient row, inside the caller's transaction: every personal detail is
   * irreversibly replaced (the email by an address unique to the row, so the unique key holds).
   * Answers false when there was nothing to erase (unknown or already erased).
   */
  async erase(manager: EntityManager, patientId: string): Promise<boolean> {
    const rows = await updateReturning(
      manager,
      `UPDATE patient SET first_name = '', last_name = '', email = 'erased-' || id || '@invalid', phone = '',
         date_of_birth = DATE '1900-01-01', erased_at = now(), updated_at = now()
       WHERE id = $1 AND erased_at IS NULL
       RETURNING id`,
      [patientId],
    );
    return rows.length > 0;
  }
}
