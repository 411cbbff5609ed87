import { statement } from '../common/sql';
import { bookedEmailsSql, type BookedEmailValues } from '../notifications/outbox.service';
import { upsertPatientSql, type PatientDetails } from '../patients/patients.service';
import { takePlaceSql } from '../slots/slots.service';

/** Everything the booking statement writes, by name. */
export interface BookInput extends PatientDetails, BookedEmailValues {
  slotId: string;
  /** The earliest start still bookable (the minimum notice). */
  earliest: Date;
  reference: string;
  tokenHash: string;
  notes: string | null;
  now: Date;
}

/** What the booking statement answers: all null when no place could be had. */
export interface BookRow {
  id: string | null;
  createdAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

/**
 * A booking in one statement: one round trip, atomic by itself outside a transaction. Each
 * step reads the one before, so they run in this order, and the slot's row is locked first as
 * everywhere (slots, then bookings, then patients):
 * 1. `place`: one place taken in the slot (slots' takePlaceSql), or no row;
 * 2. `patient_row`: the patient found or created (patients' upsertPatientSql), only with a
 *    place; an existing record is left as it is;
 * 3. `new_booking`: the booking under `reference`, with the name and phone as submitted;
 * 4. its emails (the outbox's bookedEmailsSql).
 * Each table is written by its owner's fragment; the row answers `id` null when no place could
 * be had, and then nothing was written. A reference already taken fails the whole statement
 * (booking_reference_unique), writing nothing: draw another.
 */
export const BOOK = statement<BookInput>(
  (param) => `
  WITH place AS (${takePlaceSql(param)}),
  patient_row AS (${upsertPatientSql(param, 'place')}),
  new_booking AS (
    INSERT INTO booking (reference, slot_id, patient_id, manage_token_hash, notes, first_name, last_name, phone)
    SELECT ${param('reference')}, place.id, patient_row.id, ${param('tokenHash')}, ${param('notes')},
           ${param('firstName')}, ${param('lastName')}, ${param('phone')}
    FROM place, patient_row
    RETURNING id, reference, created_at),
  emails AS (${bookedEmailsSql(param, { booking: 'new_booking', slot: 'place', patient: 'patient_row' })})
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place."startsAt", place."endsAt"
  FROM (SELECT) AS answer LEFT JOIN new_booking ON true LEFT JOIN place ON true`,
);
