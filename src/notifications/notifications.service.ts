import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain-error';
import type { Page } from '../common/pagination.dto';
import { fetchPage, updateReturning, Where } from '../common/sql';
import { DispatcherSignal } from './dispatcher-signal';
import type { NotificationDto, NotificationQueryDto } from './dto/notification.dto';

interface Row {
  id: string;
  bookingId: string | null;
  kind: NotificationDto['kind'];
  recipient: string;
  locale: string;
  status: NotificationDto['status'];
  attempts: number;
  notBefore: Date;
  lastError: string | null;
  messageId: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, booking_id AS "bookingId", kind, recipient, locale, status, attempts, not_before AS "notBefore",
  last_error AS "lastError", message_id AS "messageId", sent_at AS "sentAt", created_at AS "createdAt"`;

function toDto(row: Row): NotificationDto {
  return {
    ...row,
    notBefore: row.notBefore.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The outbox as staff see it: what was sent, what is waiting, what was given up. */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signal: DispatcherSignal,
  ) {}

  async list(query: NotificationQueryDto): Promise<Page<NotificationDto>> {
    const where = new Where();
    if (query.status?.length) where.add((p) => `status = ANY(${p})`, query.status);
    if (query.kind?.length) where.add((p) => `kind = ANY(${p})`, query.kind);
    return fetchPage(
      this.dataSource,
      {
        select: `SELECT ${COLUMNS} FROM notification`,
        countFrom: 'FROM notification',
        orderBy: 'created_at DESC, id',
      },
      where,
      query,
      toDto,
    );
  }

  /** Puts a failed or dead email back in line, with a fresh set of attempts. */
  async retry(id: string): Promise<NotificationDto> {
    const [row] = await updateReturning<Row>(
      this.dataSource,
      `UPDATE notification SET status = 'pending', attempts = 0, not_before = now(), last_error = NULL,
         first_failed_at = NULL, locked_until = NULL, locked_by = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('failed', 'dead')
       RETURNING ${COLUMNS}`,
      [id],
    );
    if (row) {
      this.signal.wake();
      return toDto(row);
    }
    const [existing] = await this.dataSource.query<{ status: string }[]>(
      `SELECT status FROM notification WHERE id = $1`,
      [id],
    );
    if (!existing) throw new NotFoundError('There is no notification with this id.');
    throw new ConflictError(
      'notification-not-retryable',
      `This notification is ${existing.status}; only failed or dead ones can be retried.`,
    );
  }
}
