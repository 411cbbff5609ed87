import type { EntityManager } from 'typeorm';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Rows of an `UPDATE … RETURNING` (or `DELETE … RETURNING`). TypeORM's PostgreSQL driver
 * answers those as `[rows, affectedCount]`, unlike SELECT and INSERT, which answer the rows.
 */
export async function updateReturning<T>(db: Queryable, sql: string, parameters: unknown[]): Promise<T[]> {
  const result: unknown = await db.query(sql, parameters);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
