import { get } from 'node:http';
import { signedInStaff, startTestApp } from './support/app';
import { seedVolume } from './support/seed';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan in a plan, as `Node Type:relation:index`. */
function scans(node: PlanNode): string[] {
  const own = /Scan/.test(node['Node Type'])
    ? [`${node['Node Type']}:${node['Relation Name'] ?? ''}:${node['Index Name'] ?? ''}`]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

/** Starts a CSV export, reads its first chunk, and hangs up. */
async function abandonCsv(baseUrl: string, token: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const request = get(
      `${baseUrl}/api/v1/admin/bookings?format=csv`,
      { headers: { authorization: `Bearer ${token}` } },
      (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
        response.once('error', () => undefined);
      },
    );
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
  });
}

describe('front desk at scale', () => {
  it('pages and searches 100,000 bookings through indexes', async () => {
    const t = await startTestApp();
    try {
      await seedVolume(t.dataSource, { slots: 20_000, patients: 50_000, bookings: 100_000 });
      const { token } = await signedInStaff(t);
      const firstPage = await t.http.get('/api/v1/admin/bookings?limit=50', { token });
      expect(firstPage.status).toBe(200);
      expect(firstPage.json.total).toBe(100_000);
      expect(firstPage.json.data).toHaveLength(50);

      const plan = async (sql: string, parameters: unknown[] = []) => {
        const [
          [
            {
              'QUERY PLAN': [root],
            },
          ],
        ] = [await t.dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters)];
        return scans(root.Plan);
      };
      const page = await plan(
        `SELECT b.id FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id
         WHERE s.starts_at >= $1 ORDER BY s.starts_at ASC, b.id ASC LIMIT 50`,
        [new Date()],
      );
      expect(page.some((scan) => /^Index (Only )?Scan:slot:slot_starts_at_idx$/.test(scan))).toBe(true);
      expect(page.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);

      // The planner's choice rests on a sample of the rows; a larger one for the search
      // expression's statistics keeps it from picking a scan by the luck of a small sample.
      await t.dataSource.query(`ALTER INDEX patient_search_trgm ALTER COLUMN 1 SET STATISTICS 1000`);
      await t.dataSource.query(`ANALYZE patient`);
      const search = await plan(
        `SELECT b.id FROM booking b JOIN slot s ON s.id = b.slot_id JOIN patient p ON p.id = b.patient_id
         WHERE patient_search_text(p.first_name, p.last_name, p.email, p.phone) LIKE $1 LIMIT 50`,
        ['%seed4242@%'],
      );
      expect(search.some((scan) => scan.endsWith(':patient_search_trgm'))).toBe(true);

      const found = await t.http.get('/api/v1/admin/bookings?q=seed4242@example.nl', { token });
      expect(found.json.total).toBe(2);

      // The CSV export streams every row; a client that leaves half-way gives its database
      // connection back (more abandoned exports than the pool has connections, then a query).
      const csv = await t.http.get('/api/v1/admin/bookings?format=csv', { token });
      expect(csv.text.trimEnd().split('\r\n')).toHaveLength(1 + 100_000);
      for (let i = 0; i < t.config.databasePoolSize + 3; i++) await abandonCsv(t.url, token);
      const after = await t.http.get('/api/v1/admin/bookings?limit=1', { token });
      expect(after.json.total).toBe(100_000);
    } finally {
      await t.close();
    }
  });
});
