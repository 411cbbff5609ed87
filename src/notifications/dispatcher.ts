import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { Metrics } from '../common/metrics';
import { scrubEmails } from '../common/redact';
import { prepared, runSql } from '../common/sql';
import { APP_CONFIG, AppConfig } from '../config/config';
import { addressOf } from './composer';
import { DispatcherSignal } from './dispatcher-signal';
import { EmailThread } from './email-thread';
import { Mailer } from './mailer';
import { claimDue, type ClaimedRow } from './dispatch.queries';
import { OutboxService } from './outbox.service';

const BATCH_SIZE = 20;
const BUSY_POLL_MS = 250;
const SHUTDOWN_WAIT_MS = 10_000;

/** Records a batch as sent: $1 ids, $2 their Message-IDs, $3 the holder whose lease they are under. */
const RECORD_SENT_SQL = prepared(
  `UPDATE notification n SET status = 'sent', sent_at = now(), message_id = s.message_id, last_error = NULL,
     locked_until = NULL, locked_by = NULL, updated_at = now(), secret = NULL
   FROM unnest($1::uuid[], $2::text[]) AS s (id, message_id)
   WHERE n.id = s.id AND n.locked_by = $3`,
);
const MAX_RETRY_DELAY_MS = 6 * 3600_000;

/** Delay before attempt `attempts + 1`: the base doubled per attempt, plus up to 25% jitter. */
export function retryDelayMs(baseMs: number, attempts: number, random = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
  return Math.round(exponential * (1 + 0.25 * random()));
}

/** A claimed email the mail server accepted, not yet recorded. */
interface Sent {
  row: ClaimedRow;
  messageId: string;
}

/** The kinds that describe a booking's current state, and so are skipped once it changed. */
function isStale(row: ClaimedRow): boolean {
  if (row.kind !== 'booking_confirmed' && row.kind !== 'reminder') return false;
  return row.bookingStatus !== 'booked' || row.bookingSlotId !== row.payload.slotId;
}

/** What an SMTP or connection failure said, without the message body or anyone's address. */
function describeFailure(error: unknown): string {
  const e = error as { code?: string; responseCode?: number; message?: string };
  return scrubEmails([e.code, e.responseCode, e.message].filter(Boolean).join(' ')).slice(0, 500);
}

/**
 * Delivers the outbox. Runs in every instance: claims due rows with FOR UPDATE SKIP LOCKED
 * under a lease (so instances never send one row at once, and a row held by a crashed
 * instance is taken over once its lease ends), sends each, then records sent, a retry with
 * backoff, or dead after the last attempt. Wakes every NOTIFICATION_POLL_MS, and at once when
 * this instance commits new rows.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Dispatcher.name);
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Composes and sends, apart from the requests' event loop. */
  private readonly emails: EmailThread;
  private running = false;
  /** Set once shutdown stops waiting: from then on nothing is retried. */
  private closing = false;
  private loop?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mailer: Mailer,
    private readonly outbox: OutboxService,
    private readonly signal: DispatcherSignal,
    private readonly metrics: Metrics,
  ) {
    // The whole configuration (plain data): the thread reads the composer's and the mail's settings.
    this.emails = new EmailThread(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.notificationDispatch) {
      this.logger.log('NOTIFICATION_DISPATCH=off: this instance leaves sending email to others');
      return;
    }
    // Before anything is claimed, and so that a thread that cannot start stops the start.
    await this.emails.open();
    this.running = true;
    this.loop = this.run();
    this.logger.log({ via: this.mailer.description }, 'dispatcher started');
  }

  /** Stops claiming, lets sends in flight finish (bounded), and gives back unsent claims. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.signal.wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
    this.closing = true;
    await this.dataSource
      .query(
        `UPDATE notification SET locked_until = NULL, locked_by = NULL
         WHERE locked_by = $1 AND status IN ('pending', 'failed')`,
        [this.instanceId],
      )
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not release claims'));
    await this.emails.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      const busy = this.busy();
      try {
        claimed = await this.dispatchBatch(busy);
      } catch (error) {
        this.logger.warn({ err: describeFailure(error) }, 'dispatch round failed; will retry');
      }
      if (!this.running || claimed === BATCH_SIZE) continue;
      // Busy: new bookings' wake-ups are ignored (each would cost a claim that finds nothing
      // old enough); the next look comes soon, and sends everything once the rush is over.
      if (busy) await new Promise((resolve) => setTimeout(resolve, BUSY_POLL_MS));
      else await this.signal.sleep(this.config.notificationPollMs);
    }
  }

  /**
   * Whether this instance is busy answering requests (as many in flight as the database pool
   * has connections: more would queue for one): then its CPU goes to them, and email
   * waits (at most NOTIFICATION_BUSY_DEFER_MS; an instance that is not busy sends it at once).
   * Composing and sending an email costs several times the CPU of the booking that caused it.
   */
  private busy(): boolean {
    return (
      this.config.notificationBusyDeferMs > 0 && this.metrics.requestsInFlight >= this.config.databasePoolSize
    );
  }

  /**
   * Claims and delivers one batch of due rows; answers how many it claimed. When `busy`, only
   * rows due for NOTIFICATION_BUSY_DEFER_MS.
   */
  async dispatchBatch(busy = false): Promise<number> {
    const rows = await claimDue(this.dataSource, {
      batchSize: BATCH_SIZE,
      leaseMs: this.config.notificationLeaseMs,
      holder: this.instanceId,
      dueForMs: busy ? this.config.notificationBusyDeferMs : 0,
    });
    const sent = (await Promise.all(rows.map((row) => this.deliver(row)))).filter((s) => s !== undefined);
    if (sent.length > 0) await this.recordSent(sent);
    return rows.length;
  }

  /** Sends one claimed email: answers it (and its Message-ID) when sent, to be recorded with the batch. */
  private async deliver(row: ClaimedRow): Promise<Sent | undefined> {
    if (isStale(row)) {
      await this.settle(row, `status = 'skipped', last_error = 'booking changed before sending'`, []);
      return;
    }
    let token: string | undefined;
    try {
      token = this.outbox.openSecret(row.secret);
    } catch {
      // Not a passing fault: retrying cannot help, so say plainly what is wrong.
      const reason = 'the manage token was sealed under another secret: every instance must share JWT_SECRET';
      this.logger.error({ notificationId: row.id, kind: row.kind }, reason);
      await this.settle(row, `status = 'dead', last_error = $2`, [reason], { keepSecret: true });
      return;
    }
    const messageId = `<${row.id}@${addressOf(this.config.mailFrom).split('@')[1] ?? 'clinic-booking'}>`;
    try {
      await this.send(row, token, messageId);
    } catch (error) {
      await this.recordFailure(row, describeFailure(error));
      return;
    }
    this.metrics.emailsSent.inc({ kind: row.kind });
    // Sent: from here on a failure is the database's, never a reason to send again.
    return { row, messageId };
  }

  private async send(row: ClaimedRow, token: string | undefined, messageId: string): Promise<void> {
    const file = await this.emails.send({
      email: {
        notificationId: row.id,
        bookingId: row.bookingId,
        kind: row.kind,
        locale: row.locale,
        recipient: row.recipient,
        payload: row.payload,
        token,
      },
      messageId,
      fileLabel: `${row.kind}-${row.id}`,
    });
    if (file) this.logger.log({ file }, 'email written to the mail drop');
  }

  /**
   * Records a batch's delivered emails in one statement, retrying while the database is briefly
   * unavailable (a restart, a full connection pool). Only if it stays unavailable past half the
   * lease (or the instance is shutting down) are the rows left to their lease; they are then
   * sent once more, with the same Message-ID.
   */
  private async recordSent(sent: Sent[]): Promise<void> {
    const deadline = Date.now() + this.config.notificationLeaseMs / 2;
    const ids = sent.map((s) => s.row.id);
    for (let pause = 100; ; pause = Math.min(pause * 2, 5_000)) {
      try {
        await runSql(this.dataSource, RECORD_SENT_SQL, [ids, sent.map((s) => s.messageId), this.instanceId]);
        return;
      } catch (error) {
        if (this.closing || Date.now() + pause >= deadline) {
          this.logger.error(
            { notificationIds: ids, err: describeFailure(error) },
            'emails sent but not recorded; they will be sent again, with the same Message-ID, when their lease ends',
          );
          return;
        }
        this.logger.warn(
          { notificationIds: ids, err: describeFailure(error) },
          'emails sent; recording them failed, retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** A send that failed: retried later with backoff, or dead after the last attempt. */
  private async recordFailure(row: ClaimedRow, reason: string): Promise<void> {
    const dead = row.attempts >= this.config.notificationMaxAttempts;
    this.metrics.emailFailures.inc({ outcome: dead ? 'dead' : 'retry' });
    if (dead) {
      this.logger.error(
        { notificationId: row.id, kind: row.kind, attempts: row.attempts, reason },
        'email is dead',
      );
      await this.settle(row, `status = 'dead', last_error = $2`, [reason], { keepSecret: true });
    } else {
      const delay = retryDelayMs(this.config.notificationRetryBaseMs, row.attempts);
      this.logger.warn(
        { notificationId: row.id, kind: row.kind, attempts: row.attempts, retryInMs: delay, reason },
        'send failed',
      );
      await this.settle(
        row,
        `status = 'failed', last_error = $2, first_failed_at = coalesce(first_failed_at, now()),
         not_before = now() + make_interval(secs => $3::double precision / 1000)`,
        [reason, delay],
        { keepSecret: true },
      );
    }
  }

  /** Records the outcome, if this instance still holds the row. */
  private async settle(
    row: ClaimedRow,
    assignments: string,
    parameters: unknown[],
    options = { keepSecret: false },
  ) {
    const holder = `$${parameters.length + 2}`;
    await this.dataSource.query(
      `UPDATE notification SET ${assignments}, locked_until = NULL, locked_by = NULL, updated_at = now()
         ${options.keepSecret ? '' : ', secret = NULL'}
       WHERE id = $1 AND locked_by = ${holder}`,
      [row.id, ...parameters, this.instanceId],
    );
  }
}
