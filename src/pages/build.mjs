// Builds the patient pages (src/pages/client) with esbuild: one bundle per page and the embed
// script, minified and content-hashed, plus their stylesheet, into dist/pages/assets, with
// dist/pages/manifest.json naming each entry's files. `npm run build` runs it after `nest build`
// (which empties dist); the test set-up and `npm start` run it too.
import * as esbuild from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const client = join(root, 'src', 'pages', 'client');

/** Builds into `outDir` (default dist/pages) and answers the manifest. */
export async function buildPages(outDir = join(root, 'dist', 'pages')) {
  const assets = join(outDir, 'assets');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await esbuild.build({
    entryPoints: {
      book: join(client, 'book.tsx'),
      manage: join(client, 'manage.tsx'),
      desk: join(client, 'desk.tsx'),
      style: join(client, 'style.css'),
    },
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: root,
  });
  // The embed runs as a classic script on the clinic's site (document.currentScript), so an IIFE.
  const embed = await esbuild.build({
    entryPoints: { embed: join(client, 'embed.ts') },
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  Object.assign(result.metafile.outputs, embed.metafile.outputs);
  const manifest = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const name = basename(file).replace(/-[A-Z0-9]+\.(js|css)$/, '');
    manifest[name] = relative(assets, join(root, file)).split('\\').join('/');
  }
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildPages(process.argv[2]).then((manifest) =>
    process.stdout.write(`Pages built: ${Object.values(manifest).join(', ')}\n`),
  );
}
