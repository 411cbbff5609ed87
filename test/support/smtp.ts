import { ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SmtpMode = 'accept' | 'refuse' | 'refuse-recipient';

/**
 * A real SMTP server on a free loopback port that parses and keeps every message it accepts.
 * `mode = 'refuse'` answers each message with a temporary failure (451), `'refuse-recipient'`
 * each recipient with a permanent one that quotes the address (550); `stop()` and `start()`
 * take it down and bring it back on the same port, to test a mail server outage.
 */
export class TestSmtpServer {
  readonly messages: ParsedMail[] = [];
  mode: SmtpMode = 'accept';
  /** Milliseconds to wait before answering each message (a slow mail server). */
  delayMs = 0;
  port = 0;
  private server?: SMTPServer;
  private readonly closedSessions = new Set<string>();

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // stop() is an outage: the app's pooled connections are dropped at once, not awaited.
      closeTimeout: 50,
      onRcptTo: (address, _session, callback) => {
        if (this.mode !== 'refuse-recipient') return callback();
        callback(
          Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), {
            responseCode: 550,
          }),
        );
      },
      onClose: (session) => {
        this.closedSessions.add(session.id);
      },
      onData: (stream, session, callback) => {
        if (this.mode === 'refuse') {
          stream.resume();
          stream.on('end', () =>
            callback(Object.assign(new Error('try again later'), { responseCode: 451 })),
          );
          return;
        }
        simpleParser(stream)
          .then(async (mail) => {
            if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
            // A client that went away before the server answered never had its message accepted.
            if (!this.closedSessions.has(session.id)) this.messages.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages matching `filter` have arrived, or fails after `timeoutMs`. */
  async waitFor(count: number, filter: (mail: ParsedMail) => boolean = () => true, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.messages.filter(filter);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) {
        throw new Error(
          `expected ${count} message(s) at the SMTP server, got ${matching.length} in ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  return new TestSmtpServer().start();
}
