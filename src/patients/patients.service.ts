import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Param, updateReturning } from '../common/sql';
import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../common/locale';

/**
 * Finds the patient with this email and date of birth, or creates them, in one statement (so
 * two bookings at once cannot make two patients). An existing record is never changed by a
 * booking: whoever knows someone's email and date of birth could otherwise rewrite their name
 * and phone (the booking keeps what was submitted; staff correct the record). The no-op update
 * locks the row and answers it. Written only if `onlyIf` (the name of a row source of the
 * enclosing statement, never input) has a row. A step of the booking statement, which answers
 * the patient's `id` and the record's `first_name` and `last_name` (what the emails say).
 */
export function upsertPatientSql(param: Param<keyof PatientDetails>, onlyIf: string): string {
  return `
  INSERT INTO patient (first_name, last_name, email, phone, date_of_birth, locale)
  SELECT ${param('firstName')}, ${param('lastName')}, ${param('email')}, ${param('phone')},
         ${param('dateOfBirth')}, ${param('locale')}
  FROM ${onlyIf}
  ON CONFLICT (email, date_of_birth) DO UPDATE SET email = EXCLUDED.email
  RETURNING id, first_name, last_name`;
}

/**
 * A step of a staff booking for a known patient: the record, locked, answering `id`,
 * `first_name` and `last_name` as upsertPatientSql does; no row when it is unknown or erased.
 * Only if `onlyIf` (a row source of the enclosing statement, never input) has a row.
 */
export function knownPatientSql(param: Param<'patientId'>, onlyIf: string): string {
  return `
  SELECT id, first_name, last_name FROM patient
  WHERE id = ${param('patientId', 'uuid')} AND erased_at IS NULL AND EXISTS (SELECT FROM ${onlyIf})
  FOR UPDATE`;
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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The patient with this email and date of birth (not erased), or undefined. */
  async byIdentity(
    email: string,
    dateOfBirth: string,
  ): Promise<Pick<PatientDetails, 'firstName' | 'lastName' | 'email' | 'locale'> | undefined> {
    const [row] = await this.dataSource.query<PatientDetails[]>(
      `SELECT first_name AS "firstName", last_name AS "lastName", email, locale
       FROM patient WHERE email = $1 AND date_of_birth = $2 AND erased_at IS NULL`,
      [email.toLowerCase(), dateOfBirth],
    );
    return row;
  }

  /** The record's details (what a staff booking for this patient uses), or undefined if unknown or erased. */
  async details(id: string): Promise<PatientDetails | undefined> {
    const [row] = await this.dataSource.query<PatientDetails[]>(
      `SELECT first_name AS "firstName", last_name AS "lastName", email, phone,
              to_char(date_of_birth, 'YYYY-MM-DD') AS "dateOfBirth", locale
       FROM patient WHERE id = $1 AND erased_at IS NULL`,
      [id],
    );
    return row;
  }

  /**
   * Staff correct a record: only the given fields change (email lower-cased, phone as E.164).
   * Another patient with the resulting email and date of birth is a 409 (patient_email_dob_unique).
   * Answers false for an unknown or erased patient.
   */
  async update(id: string, change: Partial<PatientDetails>): Promise<boolean> {
    const rows = await updateReturning(
      this.dataSource,
      `UPDATE patient SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name),
         email = COALESCE($4, email), phone = COALESCE($5, phone), date_of_birth = COALESCE($6::date, date_of_birth),
         locale = COALESCE($7, locale), updated_at = now()
       WHERE id = $1 AND erased_at IS NULL
       RETURNING id`,
      [
        id,
        change.firstName ?? null,
        change.lastName ?? null,
        change.email?.toLowerCase() ?? null,
        change.phone ?? null,
        change.dateOfBirth ?? null,
        change.locale ?? null,
      ],
    );
    return rows.length > 0;
  }

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
