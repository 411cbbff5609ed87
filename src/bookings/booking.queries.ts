import type { EntityManager } from 'typeorm';
import type { BookingFacts } from '../notifications/outbox.service';
import type { BookingStatus } from './booking.entity';
import type { BookingDto } from './dto/booking.dto';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * A booking as its lifecycle sees it: what its emails need (BookingFacts: its slot's times, its
 * patient's name, address and language, its calendar SEQUENCE), its status and its manage
 * token's hash. The one shape every transition works on.
 */
export interface BookingState extends BookingFacts {
  status: BookingStatus;
  createdAt: Date;
  manageTokenHash: string;
}

const STATE = `
  SELECT b.id, b.reference, b.status, b.slot_id AS "slotId", s.starts_at AS "startsAt", s.ends_at AS "endsAt",
         p.first_name AS "firstName", p.last_name AS "lastName", p.email, p.locale, b.created_at AS "createdAt",
         b.manage_token_hash AS "manageTokenHash", b.ics_sequence AS "sequence"
  FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id`;

/** Locks the booking's row (not its slot's or patient's: slots are locked first, by the caller). */
const forUpdate = (lock: boolean) => (lock ? ' FOR UPDATE OF b' : '');

/** The booking with this reference (normalised), locked when `lock`. */
export async function bookingByReference(
  db: Queryable,
  reference: string,
  lock = false,
): Promise<BookingState | undefined> {
  const [row] = await db.query<BookingState[]>(`${STATE} WHERE b.reference = $1${forUpdate(lock)}`, [
    reference,
  ]);
  return row;
}

/** The booking with this id, locked when `lock`. */
export async function bookingById(
  db: Queryable,
  id: string,
  lock = false,
): Promise<BookingState | undefined> {
  const [row] = await db.query<BookingState[]>(`${STATE} WHERE b.id = $1${forUpdate(lock)}`, [id]);
  return row;
}

/** The slot's active (`booked`) bookings, locked. */
export function bookedInSlot(db: Queryable, slotId: string): Promise<BookingState[]> {
  return db.query<BookingState[]>(`${STATE} WHERE b.slot_id = $1 AND b.status = 'booked' FOR UPDATE OF b`, [
    slotId,
  ]);
}

/**
 * The upcoming booked bookings of the patient with this email (lower case) and date of birth,
 * each locked ("Lost your link?" gives each a new token), soonest first.
 */
export function upcomingOfIdentity(
  db: Queryable,
  email: string,
  dateOfBirth: string,
  now: Date,
): Promise<BookingState[]> {
  return db.query<BookingState[]>(
    `${STATE} WHERE p.email = $1 AND p.date_of_birth = $2 AND p.erased_at IS NULL
       AND b.status = 'booked' AND s.starts_at > $3
     ORDER BY s.starts_at, b.id FOR UPDATE OF b`,
    [email, dateOfBirth, now],
  );
}

/** Every booking of a patient, with its slot's start, for erasure. */
export function bookingsOfPatient(
  db: Queryable,
  patientId: string,
): Promise<{ id: string; slotId: string; status: BookingStatus; startsAt: Date }[]> {
  return db.query(
    `SELECT b.id, b.slot_id AS "slotId", b.status, s.starts_at AS "startsAt"
     FROM booking b JOIN slot s ON s.id = b.slot_id WHERE b.patient_id = $1`,
    [patientId],
  );
}

/** The patient's view of a booking (GET /bookings/{reference} and every patient change). */
export function toBookingDto(
  booking: Pick<
    BookingState,
    | 'id'
    | 'reference'
    | 'status'
    | 'slotId'
    | 'startsAt'
    | 'endsAt'
    | 'firstName'
    | 'lastName'
    | 'email'
    | 'createdAt'
  >,
): BookingDto {
  return {
    id: booking.id,
    reference: booking.reference,
    status: booking.status,
    slot: {
      id: booking.slotId,
      startsAt: booking.startsAt.toISOString(),
      endsAt: booking.endsAt.toISOString(),
    },
    patient: { firstName: booking.firstName, lastName: booking.lastName, email: booking.email },
    createdAt: booking.createdAt.toISOString(),
  };
}

/** The email and date of birth of a patient not yet erased (whose booking identity erasure forgets). */
export async function patientIdentity(
  db: Queryable,
  patientId: string,
): Promise<{ email: string; dateOfBirth: string } | undefined> {
  const [row] = await db.query<{ email: string; dateOfBirth: string }[]>(
    `SELECT email, date_of_birth AS "dateOfBirth" FROM patient WHERE id = $1 AND erased_at IS NULL`,
    [patientId],
  );
  return row;
}
