import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EmailJob, EmailResult, EmailThreadSettings, SendFailure } from './email-worker';

/** A send the email thread could not finish, with the failure's own fields (code, responseCode). */
class SendError extends Error implements SendFailure {
  code?: string;
  responseCode?: number;

  constructor(failure: SendFailure) {
    super(failure.message ?? 'the email could not be sent');
    this.code = failure.code;
    this.responseCode = failure.responseCode;
  }
}

/**
 * Composing and sending email on a thread of its own (email-worker.ts). An email costs about
 * twice the CPU of the booking that causes it; on the main thread that work held up requests
 * while it ran. The thread is started by `open` (the dispatcher's start, so that a thread that
 * cannot start says so at once) and again with the next email after it died (every email in
 * flight then fails, to be retried as any failed send).
 */
export class EmailThread {
  private readonly logger = new Logger(EmailThread.name);
  private worker?: Worker;
  /** Settles when the running thread is ready, or could not start. */
  private ready?: Promise<void>;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (file?: string) => void; reject: (e: Error) => void }
  >();

  constructor(private readonly settings: EmailThreadSettings) {}

  /** Starts the thread, if it is not running: resolves once it is ready, rejects if it cannot start. */
  open(): Promise<void> {
    if (!this.worker) this.start();
    return this.ready!;
  }

  /** Composes and sends one email: answers the mail-drop file written, if any; rejects when it failed. */
  send(job: Omit<EmailJob, 'id'>): Promise<string | undefined> {
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies EmailJob);
    });
  }

  /** Stops the thread (the dispatcher has waited for its sends). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(new Error('the app is shutting down'));
    await worker?.terminate();
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private start(): Worker {
    // Under ts-node or Jest the source runs as TypeScript, which the thread must compile too.
    const typescript = __filename.endsWith('.ts');
    const worker = new Worker(join(__dirname, `email-worker.${typescript ? 'ts' : 'js'}`), {
      workerData: this.settings,
      ...(typescript
        ? { execArgv: ['--require', 'ts-node/register'], env: { ...process.env, TS_NODE_SWC: 'true' } }
        : {}),
    });
    // Never what keeps the process alive: shutdown closes it, and sends in flight are the dispatcher's.
    worker.unref();
    let ready: () => void;
    let failed: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
    // Only `open` waits for it; a thread that dies later is reported below.
    this.ready.catch(() => undefined);
    worker.on('message', (result: EmailResult | 'ready') => {
      if (result === 'ready') return ready();
      const waiting = this.pending.get(result.id);
      this.pending.delete(result.id);
      if (result.failure) waiting?.reject(new SendError(result.failure));
      else waiting?.resolve(result.file);
    });
    const died = (error: Error) => {
      failed(error);
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.logger.error(
        { err: error.message },
        'the email thread stopped; it starts again with the next email',
      );
      this.failPending(error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`the email thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
