import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Metrics } from '../common/metrics';
import { APP_CONFIG, AppConfig } from '../config/config';
import { NOTIFICATION_STATUSES } from './notification.entity';
import { oldestDueSeconds, outboxByStatus } from './dispatch.queries';
import { Mailer } from './mailer';

/** The oldest due email may wait this long before the operator is told. */
export const ALERT_OLDEST_DUE_SECONDS = 15 * 60;
/** How many of the new dead emails the alert describes (the rest are counted). */
const ALERT_EXAMPLES = 5;

interface DeadSummary {
  count: number;
  /** The newest one's time, as PostgreSQL wrote it (to the microsecond; a Date would round it). */
  until: string | null;
  examples: { kind: string; attempts: number; lastError: string | null; updatedAt: Date }[];
}

/**
 * How the outbox is doing, for operators: the metrics' gauges (emails by status, the oldest
 * due email's age) and ALERT_EMAIL's alert when emails go dead or the oldest due one is older
 * than 15 minutes. The alert says counts, kinds and errors (which name no address), never who.
 */
@Injectable()
export class OutboxMonitor implements OnModuleInit {
  private readonly logger = new Logger(OutboxMonitor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mailer: Mailer,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('clinic_outbox_emails', 'Emails in the outbox, by status', ['status'], async () => {
      const counts = new Map((await outboxByStatus(this.dataSource)).map((row) => [row.status, row.count]));
      return NOTIFICATION_STATUSES.map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 }));
    });
    this.metrics.gauge(
      'clinic_outbox_oldest_due_seconds',
      'How long the oldest email that is due to be sent has waited (0: none waiting)',
      [],
      async () => [{ labels: {}, value: await oldestDueSeconds(this.dataSource) }],
    );
  }

  /**
   * One round of the alert (a scheduled job): when something is wrong and no instance has
   * tried an alert within ALERT_INTERVAL_MINUTES, claims the interval and emails ALERT_EMAIL.
   * A send that fails is logged and tried again after the interval, with what is wrong then;
   * dead emails count as reported only once an alert about them was sent. Sent straight to
   * the mail server, apart from the outbox, so patients' email never waits for it.
   */
  async alertRound(): Promise<{ alerted: number; deadEmails: number; oldestDueSeconds: number }> {
    const quiet = { alerted: 0, deadEmails: 0, oldestDueSeconds: 0 };
    if (!this.config.alertEmail) return quiet;
    const dead = await this.newDead();
    const oldest = await oldestDueSeconds(this.dataSource);
    const state = { deadEmails: dead.count, oldestDueSeconds: Math.round(oldest) };
    if (dead.count === 0 && oldest <= ALERT_OLDEST_DUE_SECONDS) return { ...quiet, ...state };
    const [claimed] = (await this.dataSource.query(
      `UPDATE outbox_alert SET last_tried_at = now()
        WHERE id = 1 AND (last_tried_at IS NULL OR last_tried_at <= now() - make_interval(mins => $1))
        RETURNING id`,
      [this.config.alertIntervalMinutes],
    )) as [unknown[], number];
    if (claimed.length === 0) return { ...quiet, ...state };
    try {
      await this.mailer.send(
        {
          from: this.config.mailFrom,
          to: this.config.alertEmail,
          subject: `[${this.config.clinicName}] Booking email needs attention`,
          messageId: `<alert-${randomUUID()}@clinic-booking>`,
          text: this.alertText(dead, oldest),
        },
        'alert',
      );
    } catch (error) {
      this.logger.error(
        { err: (error as Error).message, retryInMinutes: this.config.alertIntervalMinutes },
        'the operator alert could not be sent; it is tried again after the alert interval',
      );
      return { ...quiet, ...state };
    }
    if (dead.until) {
      await this.dataSource.query(`UPDATE outbox_alert SET dead_reported_until = $1 WHERE id = 1`, [
        dead.until,
      ]);
    }
    this.logger.warn(state, 'operator alert sent');
    return { ...state, alerted: 1 };
  }

  /** Dead emails not yet in a sent alert: how many, up to when, and the first few. */
  private async newDead(): Promise<DeadSummary> {
    const rows = (await this.dataSource.query(
      `WITH fresh AS (
         SELECT n.kind, n.attempts, n.last_error, n.updated_at FROM notification n, outbox_alert a
          WHERE a.id = 1 AND n.status = 'dead' AND n.updated_at > coalesce(a.dead_reported_until, '-infinity')
       )
       SELECT (SELECT count(*)::int FROM fresh) AS count, (SELECT max(updated_at)::text FROM fresh) AS until,
              kind, attempts, last_error AS "lastError", updated_at AS "updatedAt"
         FROM (SELECT 1) AS one LEFT JOIN LATERAL (
           SELECT * FROM fresh ORDER BY updated_at LIMIT ${ALERT_EXAMPLES}
         ) AS first ON true`,
    )) as (DeadSummary['examples'][number] & { count: number; until: string | null })[];
    return {
      count: rows[0]?.count ?? 0,
      until: rows[0]?.until ?? null,
      examples: rows.filter((row) => row.kind !== null),
    };
  }

  private alertText(dead: DeadSummary, oldestSeconds: number): string {
    const lines = [
      `Booking email at ${this.config.clinicName} (${this.config.publicBaseUrl}) needs attention.`,
      '',
    ];
    if (dead.count > 0) {
      lines.push(
        `${dead.count} email(s) could not be delivered after every attempt and are now dead.`,
        'The first of them:',
        ...dead.examples.map(
          (e) =>
            `- ${e.updatedAt.toISOString()} ${e.kind}, ${e.attempts} attempt(s): ${e.lastError ?? 'no error recorded'}`,
        ),
        '',
      );
    }
    if (oldestSeconds > ALERT_OLDEST_DUE_SECONDS) {
      lines.push(
        `The oldest email waiting to be sent has waited ${Math.round(oldestSeconds / 60)} minutes: email is not going out.`,
        '',
      );
    }
    lines.push(
      'Check the mail server (SMTP_URL) and the service log. Dead emails can be retried from the',
      'console (/desk, Email outbox) or with POST /api/v1/admin/notifications/{id}/retry.',
      `No further alert is sent for ${this.config.alertIntervalMinutes} minute(s).`,
    );
    return lines.join('\n');
  }
}
