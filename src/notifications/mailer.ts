import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, SendMailOptions, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/config';

/**
 * Sending, apart from composing: SMTP_URL when set; otherwise a mail drop, each message an
 * `.eml` file in $DATA_DIR/mail, so a fresh `npm start` shows its emails without a mail server.
 */
@Injectable()
export class Mailer {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: Transporter;
  private readonly dropFolder?: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.smtpUrl) {
      this.transport = createTransport({
        url: config.smtpUrl,
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
    } else {
      this.transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      this.dropFolder = join(config.dataDir, 'mail');
    }
  }

  get description(): string {
    return this.dropFolder ? `mail drop ${this.dropFolder}` : 'SMTP';
  }

  async send(message: SendMailOptions & { messageId: string }, fileLabel: string): Promise<void> {
    const info = await this.transport.sendMail(message);
    if (this.dropFolder) {
      await mkdir(this.dropFolder, { recursive: true });
      const file = join(
        this.dropFolder,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${fileLabel}.eml`,
      );
      await writeFile(file, info.message as Buffer);
      this.logger.log({ file }, 'email written to the mail drop');
    }
  }

  close(): void {
    this.transport.close();
  }
}
