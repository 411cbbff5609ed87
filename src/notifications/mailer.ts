import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SendMailOptions } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MailTransport } from './mail-transport';

/**
 * The main thread's own sending (the operator's alerts), outside the outbox; patients' email
 * goes through the email thread (EmailThread), which has a transport of its own.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: MailTransport;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.transport = new MailTransport(config);
  }

  get description(): string {
    return this.transport.description;
  }

  async send(message: SendMailOptions & { messageId: string }, fileLabel: string): Promise<void> {
    const file = await this.transport.send(message, fileLabel);
    if (file) this.logger.log({ file }, 'email written to the mail drop');
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
