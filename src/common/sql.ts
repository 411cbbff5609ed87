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

/**
 * One page of a staff list and the total it is a page of, queried side by side: `select`
 * is everything before the WHERE clause, `countFrom` the FROM part the total needs, `where`
 * empty or a full `WHERE …` using `parameters` as $1…$n.
 */
export async function fetchPage<T>(
  db: Queryable,
  sql: { select: string; countFrom: string; where: string; orderBy: string },
  parameters: unknown[],
  page: { limit: number; offset: number },
): Promise<{ rows: T[]; total: number }> {
  const n = parameters.length;
  const [rows, [{ total }]] = await Promise.all([
    db.query(`${sql.select} ${sql.where} ORDER BY ${sql.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...parameters,
      page.limit,
      page.offset,
    ]) as Promise<T[]>,
    db.query(`SELECT count(*)::int AS total ${sql.countFrom} ${sql.where}`, parameters) as Promise<
      { total: number }[]
    >,
  ]);
  return { rows, total };
}

/**
 * A timestamptz as JavaScript's `toISOString()` writes it (UTC, milliseconds, `Z`), formatted by
 * PostgreSQL: a listing then sends the text on as it is, instead of parsing each time into a
 * Date (an allocation that a rush of listings turns into garbage) only to format it back.
 * `column` is SQL written here, never input.
 */
export function isoUtc(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A parameter of a statement built by `statement()`, by name: answers `$n` (with `::cast`). */
export type Param<K extends string> = (name: K, cast?: string) => string;

export interface Statement<T> {
  text: string;
  /** The statement's parameter values, in the order of its `$n`. */
  values(input: T): unknown[];
}

/**
 * A statement built once, with parameters named by the fields of `T` instead of numbered by
 * hand: `build` writes the SQL, calling `param('slotId')` where a value goes, and fragments
 * owned by other modules take the same `param` for the names they need. A name used twice is
 * one parameter.
 */
export function statement<T extends object>(
  build: (param: Param<Extract<keyof T, string>>) => string,
): Statement<T> {
  const names: (keyof T)[] = [];
  const text = build((name, cast) => {
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}${cast ? `::${cast}` : ''}`;
  });
  return { text, values: (input) => names.map((name) => input[name]) };
}
