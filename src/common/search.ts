import type { DataSource } from 'typeorm';

/**
 * A LIKE pattern that finds `text` anywhere in what patient_search_text() indexes: folded the
 * same way (lower case, accents removed by PostgreSQL's unaccent), with `%`, `_` and `\`
 * matching literally.
 */
export async function searchPattern(dataSource: DataSource, text: string): Promise<string> {
  const [{ folded }] = await dataSource.query<{ folded: string }[]>(
    `SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) AS folded`,
    [text],
  );
  return `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
