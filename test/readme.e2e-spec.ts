import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { spawnApp, waitUntilReady } from './support/process';

const ROOT = join(__dirname, '..');

/** The ```sh blocks of the README's "Try it" section, in order. */
async function tryItBlocks(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Try it\n')[1].split('\n## ')[0];
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe('the README’s "Try it" walkthrough', () => {
  it('runs as written: start with a first admin, sign in, open a week, book, read the email, cancel', async () => {
    const [start, rest] = await tryItBlocks();
    // The start command, with the settings it sets; the app is started here with those.
    const settings = Object.fromEntries(
      [...start.matchAll(/([A-Z_]+)=('([^']*)'|(\S+))/g)].map((m) => [m[1], m[3] ?? m[4]]),
    );
    expect(start.trim()).toMatch(/ npm start$/);
    const folder = await mkdtemp(join(tmpdir(), 'clinic-booking-readme-'));
    const port = await freePort();
    const app = spawnApp({ ...settings, DATA_DIR: join(folder, 'var'), PORT: String(port) });
    try {
      await waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`);
      // The walkthrough's commands, in a folder whose var/ is this app's data folder.
      const script = rest.replaceAll('localhost:3000', `127.0.0.1:${port}`);
      const run = spawnSync('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail\n${script}`], {
        cwd: folder,
        env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain('"skippedOverlapping":0');
      expect(run.stdout).toMatch(/http:\/\/localhost:\d+\/manage\/B12-\w{6}\?lang=\w\w#token=/);
      expect(run.stdout).toContain('"status":"booked"');
      expect(run.stdout).toContain('"status":"cancelled"');
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
      await rm(folder, { recursive: true, force: true });
    }
  });
});
