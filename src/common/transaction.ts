import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { isRetryableConflict, sqlStateOf } from './database-errors';

/** How often a change is tried in all while PostgreSQL rolls it back for another's sake; then busy (503). */
export const CONFLICT_ATTEMPTS = 3;

const logger = new Logger('Transaction');

/**
 * Runs `work` again when PostgreSQL rolled it back so that another transaction could go on (a
 * deadlock's victim, a serialization failure): what it wrote is gone, so running it again is
 * safe, and it is what PostgreSQL's manual asks of clients. Such a cycle is rare but real, e.g.
 * an erasure redacting emails while the dispatcher records some of them as sent, in another
 * order. `work` must keep its effects inside the database (each attempt draws its own tokens);
 * after the last attempt the error is thrown on.
 */
export async function retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !isRetryableConflict(error)) throw error;
      logger.warn(
        { sqlstate: sqlStateOf(error), attempt },
        'transaction rolled back by PostgreSQL for another; running it again',
      );
      // A few milliseconds apart, so that the two sides of a cycle do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

/** One transaction, run again if PostgreSQL rolls it back for another's sake (retryingConflicts). */
export function transaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return retryingConflicts(() => dataSource.transaction(work));
}
