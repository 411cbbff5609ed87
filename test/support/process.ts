import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface AppProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs src/main.ts as its own process, as `npm start` would (compiled on the fly by ts-node
 * with swc), with exactly the environment given plus PATH (and a small pool unless given).
 */
export function spawnApp(env: Record<string, string>, options: { ownGroup?: boolean } = {}): AppProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, TS_NODE_SWC: 'true', TZ: 'UTC', DATABASE_POOL_SIZE: '8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // As in a terminal: the app leads a process group, which Ctrl-C signals as a whole.
    detached: options.ownGroup ?? false,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls `url` until it answers 200, the process exits, or the time is up. */
export async function waitUntilReady(app: AppProcess, url: string, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void app.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready at ${url} (exited: ${exited}); output:\n${app.output()}`);
}
