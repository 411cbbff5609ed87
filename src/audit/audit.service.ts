import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../common/pagination.dto';
import { fetchPage } from '../common/sql';
import { parseInstant } from '../common/time';
import type { Actor } from './actor';
import type { ActorType } from './audit-event.entity';
import type { AuditEventDto, AuditQueryDto } from './dto/audit.dto';

export interface AuditRecord {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  recordType?: string | null;
  recordId?: string | null;
  requestId?: string | null;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records an event; inside `manager`'s transaction when given, so it commits with the change. */
  async record(event: AuditRecord, manager?: EntityManager): Promise<void> {
    const db = manager ?? this.dataSource;
    try {
      await db.query(
        `INSERT INTO audit_event (actor_type, actor_id, action, record_type, record_id, request_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          event.actorType,
          event.actorId ?? null,
          event.action,
          event.recordType ?? null,
          event.recordId ?? null,
          event.requestId ?? null,
        ],
      );
    } catch (error) {
      if (manager) throw error;
      // Outside a transaction the action already happened: say loudly that its record is missing.
      this.logger.error(
        { reqId: event.requestId, action: event.action, err: (error as Error).message },
        'could not write an audit event',
      );
    }
  }

  /** A change `actor` made to a record, inside the change's transaction. */
  async recordChange(
    manager: EntityManager,
    actor: Actor,
    action: string,
    record: { type: string; id: string },
  ): Promise<void> {
    await this.record(
      {
        actorType: actor.type,
        actorId: actor.staffId ?? null,
        action,
        recordType: record.type,
        recordId: record.id,
        requestId: actor.requestId ?? null,
      },
      manager,
    );
  }

  async list(query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      parameters.push(value);
      conditions.push(sql.replace('?', `$${parameters.length}`));
    };
    if (query.from) add('created_at >= ?', parseInstant(query.from));
    if (query.to) add('created_at < ?', parseInstant(query.to));
    if (query.actorId) add('actor_id = ?', query.actorId);
    if (query.action) add('action = ?', query.action);
    if (query.recordType) add('record_type = ?', query.recordType);
    if (query.recordId) add('record_id = ?', query.recordId);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const { rows, total } = await fetchPage<Omit<AuditEventDto, 'createdAt'> & { createdAt: Date }>(
      this.dataSource,
      {
        select: `SELECT id, actor_type AS "actorType", actor_id AS "actorId", action, record_type AS "recordType",
                 record_id AS "recordId", request_id AS "requestId", created_at AS "createdAt" FROM audit_event`,
        countFrom: 'FROM audit_event',
        where,
        orderBy: 'created_at DESC, id',
      },
      parameters,
      query,
    );
    return {
      data: rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
