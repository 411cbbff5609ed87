// npm start: builds the app (and its pages) when its source changed since the last build, then runs the build
// in this very process, so that the SIGTERM or SIGINT npm forwards reaches the app itself (which
// stops its HTTP server, then its embedded PostgreSQL). `npm run dev` is the watching mode.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'main.js');

/** The newest modification time of the files below `path` (or of `path` itself). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = [
  'src',
  'migrations',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map((p) => newest(join(root, p))))) {
  process.stdout.write('Building the app (the source changed since the last build)…\n');
  const nest = createRequire(import.meta.url).resolve('@nestjs/cli/bin/nest.js');
  execFileSync(process.execPath, [nest, 'build'], { cwd: root, stdio: 'inherit' });
  // nest build empties dist: the patient pages are built after it, into dist/pages.
  execFileSync(process.execPath, [join(root, 'src', 'pages', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
await import(pathToFileURL(built).href);
