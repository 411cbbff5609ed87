/**
 * The benchmark's mail server: a real SMTP server (smtp-server) in a process of its own that
 * accepts every message and keeps nothing, so that the app sends each confirmation during the
 * load as in production. Prints its port, then a count of messages on SIGUSR2.
 * Run: node -r ts-node/register bench/smtp-sink.ts
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  // Production mail servers take many connections; nodemailer's pool opens a few.
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      received++;
      callback();
    });
    stream.resume();
  },
});
process.on('SIGUSR2', () => process.stdout.write(`received ${received}\n`));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.server.address() as AddressInfo).port}\n`);
});
