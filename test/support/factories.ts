import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** An instant `days` from now at `minutes` past that day's 00:00 UTC, on a whole minute. */
export function daysFromNow(days: number, minutes = 9 * 60): Date {
  const date = new Date();
  date.setUTCHours(0, 0, 0, 0);
  return new Date(date.getTime() + days * 86_400_000 + minutes * 60_000);
}

export interface NewSlot {
  startsAt?: Date;
  minutes?: number;
  capacity?: number;
  bookedCount?: number;
  status?: 'open' | 'closed' | 'cancelled';
}

let slotCounter = 0;

/**
 * A slot written straight to the database (the state a test needs, whatever the API allows).
 * Without `startsAt`, each call gets its own 30-minute place far ahead, so slots never collide.
 */
export async function newSlot(dataSource: DataSource, slot: NewSlot = {}) {
  const startsAt = slot.startsAt ?? daysFromNow(400 + Math.floor(slotCounter / 40), (slotCounter % 40) * 30);
  slotCounter++;
  const endsAt = new Date(startsAt.getTime() + (slot.minutes ?? 30) * 60_000);
  const id = randomUUID();
  await dataSource.query(
    `INSERT INTO slot (id, starts_at, ends_at, capacity, booked_count, status) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, startsAt, endsAt, slot.capacity ?? 1, slot.bookedCount ?? 0, slot.status ?? 'open'],
  );
  return { id, startsAt, endsAt };
}

let patientCounter = 0;

/** A booking request body for a new, unique patient (override any field). */
export function bookingBody(
  slotId: string,
  patient: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const n = ++patientCounter;
  return {
    slotId,
    patient: {
      firstName: 'Anna',
      lastName: `de Vries ${n}`,
      email: `anna.${n}.${Date.now()}@example.nl`,
      phone: '06 1234 5678',
      dateOfBirth: '1980-05-17',
      ...patient,
    },
    consent: true,
    ...extra,
  };
}
