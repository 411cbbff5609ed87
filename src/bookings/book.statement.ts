import { type Statement, statement } from '../common/sql';
import { bookedEmailsSql, type BookedEmailValues } from '../notifications/outbox.service';
import { knownPatientSql, upsertPatientSql, type PatientDetails } from '../patients/patients.service';
import { type BookableWindow, takePlaceSql } from '../slots/slots.service';
import { claimQuotaSql } from './booking-quota';

/** What every booking statement writes, by name. */
interface BookingValues extends PatientDetails, BookedEmailValues, BookableWindow {
  /** The new booking's id, drawn by the app (the quota records it before the row exists). */
  bookingId: string;
  slotId: string;
  reference: string;
  tokenHash: string;
  notes: string | null;
  now: Date;
}

/** A patient's own booking online. */
export interface BookInput extends BookingValues {
  /** The patient identity the booking limit counts (bookingIdentity). */
  identity: string;
  /** MAX_ACTIVE_BOOKINGS_PER_PATIENT. */
  maxActive: number;
}

/** A booking staff make for a patient on the phone (the details are the record's when known). */
export interface StaffBookInput extends BookingValues {
  /** The known patient's id (STAFF_BOOK_KNOWN); the details are then the record's, for the emails. */
  patientId?: string;
}

/** What a booking statement answers: all null but `withinLimit` when nothing was booked. */
export interface BookRow {
  id: string | null;
  createdAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /** False when the identity already holds its upcoming online bookings (nothing was written). */
  withinLimit: boolean;
  /** False when a known patient was not found (erased meanwhile): roll back. */
  patientFound: boolean;
}

interface Variant {
  /** Online: the identity's quota is claimed first, and the place only with it. */
  source: 'online' | 'staff';
  /** A new or returning patient by details, or a known one by id (staff only). */
  patient: 'details' | 'known';
  /** Whether the confirmation, reminder and front-desk notice are written. */
  emails: boolean;
}

/**
 * A booking in one statement: one round trip, atomic by itself outside a transaction. Each
 * step reads the one before, so they run in this order, and the locks are taken in the one order
 * (the identity's quota row, slots, then bookings, then patients):
 * 0. `quota` (online only): one of the identity's upcoming online bookings claimed
 *    (claimQuotaSql), or no row;
 * 1. `place`: one place taken in the slot within the booker's window (slots' takePlaceSql),
 *    only with a quota, or no row;
 * 2. `patient_row`: the patient found or created (patients' upsertPatientSql; an existing record
 *    is left as it is), or the known one staff named (knownPatientSql), only with a place;
 * 3. `new_booking`: the booking under `reference`, with the name and phone as submitted, its
 *    source and, online, the moment of the patient's consent (the request was refused without);
 * 4. its emails (the outbox's bookedEmailsSql), unless staff chose not to notify.
 * Each table is written by its owner's fragment; the row answers `id` null when no place could
 * be had (then only the quota's entry may have been written: give it back, RELEASE_QUOTA_SQL),
 * and `withinLimit` false when the quota refused. A reference already taken fails the statement
 * (booking_reference_unique), writing nothing: draw another.
 */
function bookStatement<T extends BookingValues>(variant: Variant): Statement<T> {
  const online = variant.source === 'online';
  // Each variant names only the values it reads; `values()` picks those from its input.
  return statement<BookInput & StaffBookInput>(
    (p) => `
  WITH ${online ? `quota AS (${claimQuotaSql(p)}),` : ''}
  place AS (${takePlaceSql(p, online ? 'quota' : undefined)}),
  patient_row AS (${variant.patient === 'known' ? knownPatientSql(p, 'place') : upsertPatientSql(p, 'place')}),
  new_booking AS (
    INSERT INTO booking (id, reference, slot_id, patient_id, manage_token_hash, notes, first_name, last_name, phone, source, consent_at)
    SELECT ${p('bookingId', 'uuid')}, ${p('reference')}, place.id, patient_row.id, ${p('tokenHash')}, ${p('notes')},
           ${p('firstName')}, ${p('lastName')}, ${p('phone')}, '${variant.source}', ${online ? p('now', 'timestamptz') : 'NULL'}
    FROM place, patient_row
    RETURNING id, reference, created_at)
  ${variant.emails ? `, emails AS (${bookedEmailsSql(p, { booking: 'new_booking', slot: 'place', patient: 'patient_row' })})` : ''}
  SELECT new_booking.id, new_booking.created_at AS "createdAt", place."startsAt", place."endsAt",
         ${online ? 'EXISTS (SELECT FROM quota)' : 'true'} AS "withinLimit",
         ${variant.patient === 'known' ? 'NOT EXISTS (SELECT FROM place) OR EXISTS (SELECT FROM patient_row)' : 'true'} AS "patientFound"
  FROM (SELECT) AS answer LEFT JOIN new_booking ON true LEFT JOIN place ON true`,
  ) as Statement<BookingValues> as Statement<T>;
}

/** A patient's booking online (POST /bookings). */
export const BOOK = bookStatement<BookInput>({ source: 'online', patient: 'details', emails: true });

/** Staff bookings, by whether the patient is known (by id) and whether they are emailed. */
export const STAFF_BOOK = {
  details: {
    notify: bookStatement<StaffBookInput>({ source: 'staff', patient: 'details', emails: true }),
    silent: bookStatement<StaffBookInput>({ source: 'staff', patient: 'details', emails: false }),
  },
  known: {
    notify: bookStatement<StaffBookInput>({ source: 'staff', patient: 'known', emails: true }),
    silent: bookStatement<StaffBookInput>({ source: 'staff', patient: 'known', emails: false }),
  },
};
