/**
 * The email thread's own code (a worker_threads Worker, started by EmailThread): composes each
 * email and sends it, so that neither takes the main thread's event loop from requests. Knows
 * nothing of the database: the dispatcher claims the rows and records what this answers.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type ComposerSettings, EmailComposer, type EmailToCompose } from './composer';
import { type MailSettings, MailTransport } from './mail-transport';

/** The email thread's nice value: 10 gives it about a tenth of the weight of a request's thread. */
const EMAIL_THREAD_NICE = 10;

/** What the email thread is started with: the app's configuration has both. */
export type EmailThreadSettings = ComposerSettings & MailSettings;

/** One email to compose and send. */
export interface EmailJob {
  id: number;
  email: EmailToCompose;
  /** Stable per notification: a resend after a crash between sending and recording carries the same Message-ID. */
  messageId: string;
  fileLabel: string;
}

/** A send that failed, as the dispatcher describes it (the error's own fields, which cross threads). */
export interface SendFailure {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** The answer to an EmailJob: the mail-drop file written, or why it failed. */
export interface EmailResult {
  id: number;
  file?: string;
  failure?: SendFailure;
}

/** Composes `job`'s email and sends it with `transport`: answers the mail-drop file, if any. */
async function composeAndSend(
  composer: EmailComposer,
  transport: MailTransport,
  mailFrom: string,
  job: Omit<EmailJob, 'id'>,
): Promise<string | undefined> {
  const email = composer.compose(job.email);
  return transport.send(
    {
      from: mailFrom,
      to: job.email.recipient,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: job.messageId,
      // Nodemailer sends the invite as the calendar alternative of the message (what mail
      // clients show as an invitation) and as one .ics attachment: no attachment of our own.
      ...(email.invite
        ? {
            icalEvent: {
              method: email.invite.method,
              filename: email.invite.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
              content: email.invite.content,
            },
          }
        : {}),
    },
    job.fileLabel,
  );
}

/**
 * Lowers this thread's scheduling priority (Linux, where a thread is a task with its own nice
 * value; elsewhere the thread keeps the process's priority): email is background work, which
 * gets the CPU that requests and the database leave.
 */
function yieldToRequests(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(threadId, EMAIL_THREAD_NICE);
  } catch {
    // Not Linux: nothing to lower.
  }
}

if (!isMainThread && parentPort) {
  yieldToRequests();
  const port = parentPort;
  const settings = workerData as EmailThreadSettings;
  const composer = new EmailComposer(settings);
  const transport = new MailTransport(settings);
  port.on('message', (job: EmailJob) => {
    composeAndSend(composer, transport, settings.mailFrom, job).then(
      (file) => port.postMessage({ id: job.id, file } satisfies EmailResult),
      (error: SendFailure) =>
        port.postMessage({
          id: job.id,
          failure: { code: error.code, responseCode: error.responseCode, message: error.message },
        } satisfies EmailResult),
    );
  });
  port.postMessage('ready');
}
