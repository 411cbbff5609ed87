import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Page } from './pagination.dto';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * SQL that each database connection parses and plans once and from then on only binds and runs
 * (a named prepared statement of PostgreSQL's extended protocol), for the statements on the
 * paths a rush takes: the booking statement's parse and plan cost PostgreSQL more CPU than
 * running it (docs/performance.md). Named after its text, so that two texts never share a name.
 * After five runs PostgreSQL may keep one generic plan instead of planning for each run's
 * values, which it does only when that plan costs no more: for the statements that find their
 * rows by key it is the same plan, and the dispatcher's claim (a LIMIT over the due index) keeps
 * being planned per run (seen on an outbox of 200,000 rows). A pooler between the app and PostgreSQL in
 * transaction mode must keep prepared statements per client (PgBouncer 1.21 and later, with
 * `max_prepared_statements`).
 */
export interface PreparedSql {
  readonly name: string;
  readonly text: string;
}

export function prepared(text: string): PreparedSql {
  return { name: `cb_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text };
}

/**
 * Runs `sql` (text, or prepared) with `parameters`. TypeORM's PostgreSQL query runner hands its
 * query on to pg's `client.query` as it is, which takes a query config as well as text: a
 * config with a name is what makes pg prepare the statement once per connection. The config is
 * new each call, as pg writes the values into it.
 */
export function runSql<T>(db: Queryable, sql: string | PreparedSql, parameters: unknown[]): Promise<T> {
  return db.query(
    typeof sql === 'string' ? sql : ({ name: sql.name, text: sql.text } as unknown as string),
    parameters,
  );
}

/**
 * Rows of an `UPDATE … RETURNING` (or `DELETE … RETURNING`). TypeORM's PostgreSQL driver
 * answers those as `[rows, affectedCount]`, unlike SELECT and INSERT, which answer the rows.
 */
export async function updateReturning<T>(
  db: Queryable,
  sql: string | PreparedSql,
  parameters: unknown[],
): Promise<T[]> {
  const result: unknown = await runSql(db, sql, parameters);
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

/** A WHERE clause built from the filters a list was given: the one way every list filters. */
export class Where {
  readonly parameters: unknown[] = [];
  private readonly conditions: string[] = [];

  /** The next parameter (`$n`), holding `value`: for a condition with several (see `add`). */
  param(value: unknown): string {
    this.parameters.push(value);
    return `$${this.parameters.length}`;
  }

  /** Adds a condition (all are ANDed); with `value`, `condition` receives its parameter. */
  add(condition: string): this;
  add(condition: (param: string) => string, value: unknown): this;
  add(condition: string | ((param: string) => string), value?: unknown): this {
    this.conditions.push(typeof condition === 'string' ? condition : condition(this.param(value)));
    return this;
  }

  /** Whether any condition of the given text was added (e.g. one that needs a join). */
  mentions(pattern: RegExp): boolean {
    return this.conditions.some((condition) => pattern.test(condition));
  }

  /** Empty, or `WHERE a AND b …`. */
  toString(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/**
 * One page of a staff list, each row mapped to its answer's shape, with the total it is a page
 * of (both queried side by side): `select` is everything before the WHERE clause, `countFrom`
 * the FROM part the total needs.
 */
export async function fetchPage<R, D = R>(
  db: Queryable,
  sql: { select: string; countFrom: string; orderBy: string },
  where: Where,
  page: { limit: number; offset: number },
  map: (row: R) => D = (row) => row as unknown as D,
): Promise<Page<D>> {
  const parameters = where.parameters;
  const n = parameters.length;
  const [rows, [{ total }]] = await Promise.all([
    db.query(`${sql.select} ${where} ORDER BY ${sql.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...parameters,
      page.limit,
      page.offset,
    ]) as Promise<R[]>,
    db.query(`SELECT count(*)::int AS total ${sql.countFrom} ${where}`, parameters) as Promise<
      { total: number }[]
    >,
  ]);
  return { data: rows.map(map), total, limit: page.limit, offset: page.offset };
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

/** Built by `statement()`: prepared (run it with `runSql`). */
export interface Statement<T> extends PreparedSql {
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
  return { ...prepared(text), values: (input) => names.map((name) => input[name]) };
}

/**
 * A timestamptz as the wall clock of time zone `zone` shows it, `2027-03-22T09:00:00` (as
 * wallClock() writes it), formatted by PostgreSQL. `column` and `zone` are SQL written here
 * (a parameter reference for the zone), never input.
 */
export function wallClockSql(column: string, zone: string): string {
  return `to_char(${column} AT TIME ZONE ${zone}::text, 'YYYY-MM-DD"T"HH24:MI:SS')`;
}
