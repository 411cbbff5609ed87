import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

/** src/pages (ts-node, tests) or dist/src/pages (built): dist/pages is next to one of them. */
const CANDIDATES = [
  join(__dirname, '..', '..', 'dist', 'pages'),
  join(__dirname, '..', '..', '..', 'dist', 'pages'),
];

export interface Asset {
  body: Buffer;
  /** The same, gzipped once (served when the browser accepts gzip). */
  gzip: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The pages' built files (src/pages/build.mjs): read once at start, by entry name (`book`,
 * `manage`, `embed`, `style`) and by file name (content-hashed, so cacheable for ever).
 * Undefined when the pages have not been built (`npm run build` builds them).
 */
export class PageAssets {
  private constructor(
    readonly entries: Record<string, string>,
    private readonly files: Map<string, Asset>,
  ) {}

  /** From `dir` (PAGES_DIR) when given, else dist/pages. */
  static load(
    dir = CANDIDATES.find((candidate) => existsSync(join(candidate, 'manifest.json'))),
  ): PageAssets | undefined {
    if (!dir || !existsSync(join(dir, 'manifest.json'))) return undefined;
    const entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, string>;
    const files = new Map<string, Asset>();
    for (const file of Object.values(entries)) {
      const body = readFileSync(join(dir, 'assets', file));
      files.set(file, { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[file.split('.').pop()!] });
    }
    return new PageAssets(entries, files);
  }

  file(name: string): Asset | undefined {
    return this.files.get(name);
  }

  /** The entry's file (e.g. `book` → `book-4F2A….js`). */
  entry(name: 'book' | 'manage' | 'desk' | 'embed' | 'style'): Asset & { file: string } {
    const file = this.entries[name];
    return { ...this.files.get(file)!, file };
  }
}
