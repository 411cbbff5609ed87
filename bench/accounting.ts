/**
 * Where a booking's time goes inside PostgreSQL, for docs/performance.md: the booking statement
 * part by part (EXPLAIN ANALYZE with buffers and WAL, in a transaction that is rolled back), the
 * same with each secondary index dropped in turn (DROP INDEX is transactional: rolled back too),
 * and the statements the app ran under load, from pg_stat_statements when the server has it.
 */
import type { Client } from 'pg';

export interface PartCost {
  /** The CTE ("quota", "place", ...) or, for foreign-key checks, the trigger's relation. */
  part: string;
  ms: number;
  walBytes: number;
  dirtied: number;
}

export interface StatementCost {
  /** Mean execution time per booking (ms), and the WAL it wrote. */
  meanMs: number;
  /**
   * Mean planning time (ms) of the statement sent as text, as EXPLAIN sends it: what a prepared
   * statement, planned once per connection, no longer spends on each booking.
   */
  planMs: number;
  walBytes: number;
  parts: PartCost[];
}

interface PlanNode {
  'Subplan Name'?: string;
  'Node Type': string;
  'Actual Total Time'?: number;
  'Actual Loops'?: number;
  'WAL Bytes'?: number;
  'Shared Dirtied Blocks'?: number;
  Plans?: PlanNode[];
}

interface Explained {
  Plan: PlanNode;
  'Execution Time': number;
  'Planning Time': number;
  Triggers?: { 'Trigger Name': string; Relation: string; Time: number; Calls: number }[];
}

/**
 * One booking under EXPLAIN ANALYZE, inside the caller's transaction. A drawn reference that is
 * taken already (the app draws again too) is drawn again, under a savepoint, at most five times.
 */
async function explain(
  db: Client,
  sql: string,
  parameters: () => unknown[],
  timing: boolean,
): Promise<Explained> {
  for (let attempt = 1; ; attempt++) {
    await db.query('SAVEPOINT booking');
    try {
      const { rows } = await db.query(
        `EXPLAIN (ANALYZE, TIMING ${timing ? 'ON' : 'OFF'}, BUFFERS, WAL, FORMAT JSON) ${sql}`,
        parameters(),
      );
      await db.query('RELEASE SAVEPOINT booking');
      return (rows[0]['QUERY PLAN'] as Explained[])[0];
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT booking');
      if (attempt >= 5 || !/reference/.test((error as { constraint?: string }).constraint ?? '')) throw error;
    }
  }
}

/** The total WAL of a node and everything under it (EXPLAIN reports it inclusive already). */
const wal = (node: PlanNode) => node['WAL Bytes'] ?? 0;

/**
 * `n` bookings with `parameters()` each, inside one transaction that is rolled back: the mean
 * time and WAL per booking, and per part of the statement (its CTEs and its foreign-key checks).
 */
export async function statementCost(
  db: Client,
  sql: string,
  parameters: () => unknown[],
  n: number,
): Promise<StatementCost> {
  const parts = new Map<string, PartCost>();
  const add = (part: string, ms: number, walBytes: number, dirtied: number) => {
    const cost = parts.get(part) ?? { part, ms: 0, walBytes: 0, dirtied: 0 };
    cost.ms += ms;
    cost.walBytes += walBytes;
    cost.dirtied += dirtied;
    parts.set(part, cost);
  };
  let total = 0;
  let planning = 0;
  let totalWal = 0;
  await db.query('BEGIN');
  try {
    for (let i = 0; i < n; i++) {
      const plan = await explain(db, sql, parameters, true);
      total += plan['Execution Time'];
      planning += plan['Planning Time'];
      totalWal += wal(plan.Plan);
      for (const child of plan.Plan.Plans ?? []) {
        const name = child['Subplan Name']?.replace(/^CTE /, '');
        if (!name) continue;
        add(
          name,
          (child['Actual Total Time'] ?? 0) * (child['Actual Loops'] ?? 1),
          wal(child),
          child['Shared Dirtied Blocks'] ?? 0,
        );
      }
      for (const trigger of plan.Triggers ?? []) add(`check ${trigger.Relation}`, trigger.Time, 0, 0);
    }
  } finally {
    await db.query('ROLLBACK');
  }
  const perBooking = (value: number) => value / n;
  return {
    meanMs: perBooking(total),
    planMs: perBooking(planning),
    walBytes: perBooking(totalWal),
    parts: [...parts.values()].map((p) => ({
      part: p.part,
      ms: perBooking(p.ms),
      walBytes: perBooking(p.walBytes),
      dirtied: perBooking(p.dirtied),
    })),
  };
}

export interface IndexCost {
  index: string;
  table: string;
  /** Time and WAL per booking that this index costs (with it, minus without it). */
  ms: number;
  walBytes: number;
  /** Set when the statement cannot run without it (an ON CONFLICT target). */
  needed?: string;
}

/** Every index on `tables` that no constraint owns (primary and unique keys stay). */
async function secondaryIndexes(db: Client, tables: string[]): Promise<{ index: string; table: string }[]> {
  const { rows } = await db.query<{ index: string; table: string }>(
    `SELECT ic.relname AS index, tc.relname AS table
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
      WHERE tc.relname = ANY($1) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY tc.relname, ic.relname`,
    [tables],
  );
  return rows;
}

/** Mean time and WAL per booking over `n` bookings in a transaction rolled back, after `before`. */
async function measure(db: Client, sql: string, parameters: () => unknown[], n: number, before?: string) {
  let time = 0;
  let walBytes = 0;
  await db.query('BEGIN');
  try {
    if (before) await db.query(before);
    for (let i = 0; i < n; i++) {
      const plan = await explain(db, sql, parameters, false);
      time += plan['Execution Time'];
      walBytes += wal(plan.Plan);
    }
  } finally {
    await db.query('ROLLBACK');
  }
  return { ms: time / n, walBytes: walBytes / n };
}

/**
 * What each secondary index on `tables` costs a booking: the statement timed with all indexes,
 * then without that one (each measurement `n` bookings, the two interleaved `rounds` times, the
 * medians compared).
 */
export async function indexCosts(
  db: Client,
  sql: string,
  parameters: () => unknown[],
  tables: string[],
  n: number,
  rounds = 3,
): Promise<IndexCost[]> {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const costs: IndexCost[] = [];
  for (const { index, table } of await secondaryIndexes(db, tables)) {
    const withIt: { ms: number; walBytes: number }[] = [];
    const without: { ms: number; walBytes: number }[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        withIt.push(await measure(db, sql, parameters, n));
        without.push(await measure(db, sql, parameters, n, `DROP INDEX "${index}"`));
      }
      costs.push({
        index,
        table,
        ms: median(withIt.map((m) => m.ms)) - median(without.map((m) => m.ms)),
        walBytes: median(withIt.map((m) => m.walBytes)) - median(without.map((m) => m.walBytes)),
      });
    } catch (error) {
      costs.push({ index, table, ms: NaN, walBytes: NaN, needed: (error as Error).message.slice(0, 120) });
    }
  }
  return costs;
}

export interface LoggedStatement {
  query: string;
  calls: number;
  meanMs: number;
  /** Per call: shared blocks dirtied and WAL bytes. */
  dirtied: number;
  walBytes: number;
}

/** The statements pg_stat_statements saw since its last reset, costliest first (none without it). */
export async function loggedStatements(db: Client, limit = 12): Promise<LoggedStatement[]> {
  try {
    const { rows } = await db.query<LoggedStatement>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::int,
              mean_exec_time AS "meanMs", shared_blks_dirtied::float8 / calls AS dirtied,
              wal_bytes::float8 / calls AS "walBytes"
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT $1`,
      [limit],
    );
    return rows;
  } catch {
    return [];
  }
}

export async function resetLoggedStatements(db: Client): Promise<boolean> {
  try {
    await db.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}
