import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * The layout's rules, read from the source itself: module folders import each other in one
 * direction only, `common/` imports no domain module, nothing uses forwardRef, and every SQL
 * statement that writes a table sits in the module that owns the table.
 */
const SRC = __dirname;
const INFRASTRUCTURE = new Set(['common', 'config', 'database']);
const OWNER: Record<string, string> = {
  slot: 'slots',
  closure: 'slots',
  booking: 'bookings',
  idempotency_key: 'bookings',
  booking_quota: 'bookings',
  patient: 'patients',
  notification: 'notifications',
  outbox_alert: 'notifications',
  staff: 'staff',
  audit_event: 'audit',
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The top folder under src/ a file belongs to ('' for src/ itself: main, app module). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : '';
};

const files = sourceFiles(SRC);

/** The tables SQL text writes to, with the statement that does. */
const writtenTables = (text: string) =>
  [...text.matchAll(/\b(?:INSERT INTO|DELETE FROM|(?<!FOR |DO )UPDATE)\s+([a-z_]+)\b/g)].map(
    ([statement, table]) => ({ statement, table }),
  );

/** folder → the other folders it imports (type-only imports included). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = folderOf(file);
    if (!from) continue;
    for (const { fileName } of preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = folderOf(resolve(dirname(file), fileName));
      if (to && to !== from) {
        if (!graph.has(from)) graph.set(from, new Set());
        graph.get(from)!.add(to);
      }
    }
  }
  return graph;
}

/** Every cycle's path, e.g. ['patients', 'bookings', 'patients']. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      if (next === path[0]) found.push([...path, next]);
      else if (!path.includes(next) && next > path[0]) visit(next, [...path, next]);
    }
  };
  for (const start of graph.keys()) visit(start, [start]);
  return found;
}

describe('architecture', () => {
  const graph = folderGraph();

  it('has module folders that import each other in one direction only', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const looped = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cycles(looped)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('keeps common/, config/ and database/ free of domain modules', () => {
    for (const folder of INFRASTRUCTURE) {
      const domain = [...(graph.get(folder) ?? [])].filter((to) => !INFRASTRUCTURE.has(to));
      expect({ folder, imports: domain }).toEqual({ folder, imports: [] });
    }
  });

  it('uses no forwardRef', () => {
    expect(files.filter((file) => /\bforwardRef\(/.test(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('reads which tables SQL writes (the check itself)', () => {
    const sql = `WITH t AS (UPDATE slot SET n = 1 RETURNING id) INSERT INTO booking (id) SELECT id FROM t
      ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id; SELECT 1 FROM patient FOR UPDATE OF patient;
      DELETE FROM idempotency_key WHERE true`;
    expect(writtenTables(sql).map((w) => w.table)).toEqual(['slot', 'booking', 'idempotency_key']);
  });

  it('writes each table only from the module that owns it', () => {
    const strays: string[] = [];
    for (const file of files) {
      for (const { statement, table } of writtenTables(readFileSync(file, 'utf8'))) {
        const owner = OWNER[table];
        if (owner && owner !== folderOf(file)) strays.push(`${relative(SRC, file)}: ${statement}`);
      }
    }
    expect(strays).toEqual([]);
  });
});
