import { Logger } from '@nestjs/common';
import { SYSTEM } from '../audit/actor';
import type { BookingLifecycle } from '../bookings/booking-lifecycle';
import type { PatientRecordQueries } from '../patients/patient.queries';

const logger = new Logger('RetentionJob');

/**
 * Erases every patient whose last appointment is older than RETENTION_MONTHS, each in its own
 * transaction through the one erasure path. A patient that cannot be erased (erased meanwhile
 * by staff, a failure) is logged by id and the round goes on with the next.
 */
export async function applyRetention(
  patients: PatientRecordQueries,
  lifecycle: BookingLifecycle,
  now = new Date(),
): Promise<{ due: number; erased: number; failed: number }> {
  const due = await patients.dueForRetention(now);
  let erased = 0;
  let failed = 0;
  for (const patientId of due) {
    try {
      if (await lifecycle.erasePatient(patientId, SYSTEM, now)) erased++;
    } catch (error) {
      failed++;
      logger.warn(
        { patientId, err: (error as Error).message },
        'retention: could not erase a patient; going on',
      );
    }
  }
  return { due: due.length, erased, failed };
}
