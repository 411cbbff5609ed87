import { randomBytes, randomInt } from 'node:crypto';

/**
 * Booking bodies for a load generator: each call a new patient (the same email and date of birth
 * would be the same patient, and one patient cannot book one slot twice) on one of `slotIds`,
 * drawn at random. Patients of different generators, in this process or another, differ by a
 * random tag.
 */
export function bookingBodies(slotIds: string[]): () => string {
  const tag = randomBytes(4).toString('hex');
  let n = 0;
  return () => {
    n++;
    return JSON.stringify({
      slotId: slotIds[randomInt(slotIds.length)],
      patient: {
        firstName: 'Bench',
        lastName: `Patient ${tag} ${n}`,
        email: `bench.${tag}.${n}@load.test`,
        phone: '06 1234 5678',
        dateOfBirth: '1980-05-17',
      },
      consent: true,
    });
  };
}
