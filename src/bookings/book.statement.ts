import { statement } from '../common/sql';
import { bookedEmailsSql, type BookedEmailValues } from '../notifications/outbox.service';
import { upsertPatientSql, type PatientDetails } from '../patients/patients.service';
import { takePlaceSql } from '../slots/slots.service';
import { claimQuotaSql } from './booking-quota';

/** Everything the booking statement writes, by name. */
export interface BookInput extends PatientDetails, BookedEmailValues {
  /** The new booking's id, drawn by the app (the quota records it before the row exists). */
  bookingId: string;
  /** The patient identity the booking limit counts (bookingIdentity). */
  identity: string;
  /** MAX_ACTIVE_BOOKINGS_PER_PATIENT. */
  maxActive: number;
  slotId: string;
  /** The earliest start still bookable (the minimum notice). */
  earliest: Date;
  reference: string;
  tokenHash: string;
  notes: string | null;
  now: Date;
}

/** What the booking statement answers: all null but `withinLimit` when nothing was booked. */
export interface BookRow {
  id: string | null;
  createdAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /** False when the identity already holds its upcoming online bookings (nothing was written). */
  withinLimit: boolean;
}

/**
 * A booking in one statement: one round trip, atomic by itself outside a transaction. Each
 * step reads the one before, so they run in this order, and the locks are taken in the one order
 * (the identity's quota row, slots, then bookings, then patients):
 * 0. `quota`: one of the identity's upcoming online bookings claimed (claimQuotaSql), or no row;
 * 1. `place`: one place taken in the slot (slots' takePlaceSql), only with a quota, or no row;
 * 2. `patient_row`: the patient found or created (patients' upsertPatientSql), only with a
 *    place; an existing record is left as it is;
 * 3. `new_booking`: the booking under `reference`, with the name and phone as submitted;
 * 4. its emails (the outbox's bookedEmailsSql).
 * Each table is written by its owner's fragment; the row answers `id` null when no place could
 * be had (then only the quota's entry may have been written: give it back, RELEASE_QUOTA_SQL),
 * and `withinLimit` false when the quota refused. A reference already taken fails the statement
 * (booking_reference_unique), writing nothing: draw another.
 */
export const BOOK = statement<BookInput>(
  (param) => `
  WITH quota AS (${claimQuotaSql(param)}),
  place AS (${takePlaceSql(param, 'quota')}),
  patient_row AS (${upsertPatientSql(param, 'place')}),
  new_booking AS (
    INSERT INTO booking (id, reference, slot_id, patient_id, manage_token_hash, notes, first_name, last_name, phone)
    SELECT ${param('bookingId', 'uuid')}, ${param('reference')}, place.id, patient_row.id, ${param('tokenHash')}, ${param('notes')},
           ${param('firstName')}, ${param('lastName')}, ${param('phone')}
    FROM place, patient_row
    RETURNING id, reference, created_at),
  emails AS (${bookedEmailsSql(param, { booking: 'new_booking', slot: 'place', patient: 'patient_row' })})
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place."startsAt", place."endsAt",
         EXISTS (SELECT FROM quota) AS "withinLimit"
  FROM (SELECT) AS answer LEFT JOIN new_booking ON true LEFT JOIN place ON true`,
);
