/**
 * A PostgreSQL cluster in a process of its own that a test can stop and start again (a
 * database restart). Prints `{"url": ...}` once up; then reads commands from stdin, one a
 * line: `stop`, `start`, `exit`; and answers each with `ok <command>`.
 */
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function main(): Promise<void> {
  const database = await startEmbeddedPostgres(process.argv[2], { fast: true });
  process.stdout.write(`${JSON.stringify({ url: database.url })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'stop') await database.stop();
    else if (command === 'start') await database.start();
    else if (command === 'exit') {
      await database.stop();
      process.stdout.write('ok exit\n');
      process.exit(0);
    }
    process.stdout.write(`ok ${command}\n`);
  }
}

void main();
