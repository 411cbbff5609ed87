import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A PostgreSQL cluster of its own that the test can stop (fast shutdown) and start again. */
export async function startControlledCluster() {
  const dir = await mkdtemp(join(tmpdir(), 'clinic-booking-cluster-'));
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', join(__dirname, 'cluster-process.ts'), dir],
    {
      env: { PATH: process.env.PATH, TS_NODE_SWC: 'true' },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the cluster process ended');
    return value as string;
  };
  const { url } = JSON.parse(await next()) as { url: string };
  const command = async (name: 'stop' | 'start' | 'exit') => {
    child.stdin!.write(`${name}\n`);
    while ((await next()) !== `ok ${name}`) {
      // skip anything else
    }
  };
  return {
    url,
    stop: () => command('stop'),
    start: () => command('start'),
    async close() {
      await command('exit').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
