import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, SendMailOptions, Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';

/** Where email goes: the settings of SMTP_URL and DATA_DIR. */
export interface MailSettings {
  smtpUrl?: string;
  dataDir: string;
}

/**
 * Sending, apart from composing: SMTP_URL when set; otherwise a mail drop, each message an
 * `.eml` file in $DATA_DIR/mail, so a fresh `npm start` shows its emails without a mail server.
 * A plain class: the email thread sends patients' email with it, the main thread the alerts.
 */
export class MailTransport {
  private readonly transport?: Transporter;
  private readonly dataDir: string;

  constructor(settings: MailSettings) {
    this.dataDir = settings.dataDir;
    if (settings.smtpUrl) {
      this.transport = createTransport({
        url: settings.smtpUrl,
        // A few connections kept open and reused (each message on a new one would cost a TCP
        // and SMTP handshake): the dispatcher sends a batch at a time.
        pool: true,
        maxConnections: 5,
        maxMessages: 500,
        // A mail server that hangs must not hold a send for ever: fail, and retry later.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      } as never);
    }
  }

  get description(): string {
    return this.transport ? 'SMTP' : `mail drop ${join(this.dataDir, 'mail')}`;
  }

  /**
   * Builds the whole message in memory, then sends it as one buffer, or writes it to the mail
   * drop: answers the file written there. Streamed part by part instead, nodemailer writes each
   * small chunk of the MIME tree to the SMTP socket with a system call of its own.
   */
  async send(
    message: SendMailOptions & { messageId: string },
    fileLabel: string,
  ): Promise<string | undefined> {
    // The boundaries' shared part from randomUUID (which draws from a pool): nodemailer's own
    // draws random bytes from the system for every part.
    const raw = await new MailComposer({ baseBoundary: randomUUID().replaceAll('-', ''), ...message })
      .compile()
      .build();
    if (this.transport) {
      const envelope = { from: message.from, to: message.to };
      // The Message-ID again, or nodemailer draws one for the raw message it wraps.
      await this.transport.sendMail({ envelope, raw, messageId: message.messageId });
      return undefined;
    }
    const folder = join(this.dataDir, 'mail');
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${fileLabel}.eml`);
    await writeFile(file, raw);
    return file;
  }

  close(): void {
    this.transport?.close();
  }
}
