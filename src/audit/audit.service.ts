import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../common/pagination.dto';
import { fetchPage, Where } from '../common/sql';
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
  reason?: string | null;
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
        `INSERT INTO audit_event (actor_type, actor_id, action, record_type, record_id, request_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          event.actorType,
          event.actorId ?? null,
          event.action,
          event.recordType ?? null,
          event.recordId ?? null,
          event.requestId ?? null,
          event.reason ?? null,
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
    reason?: string,
  ): Promise<void> {
    await this.record(
      {
        actorType: actor.type,
        actorId: actor.staffId ?? null,
        action,
        recordType: record.type,
        recordId: record.id,
        requestId: actor.requestId ?? null,
        reason: reason ?? null,
      },
      manager,
    );
  }

  /** Erasure: the reasons given about these records go (they may describe the patient). */
  async forgetReasons(manager: EntityManager, recordIds: string[]): Promise<void> {
    await manager.query(
      `UPDATE audit_event SET reason = NULL WHERE record_id = ANY($1::text[]) AND reason IS NOT NULL`,
      [recordIds],
    );
  }

  async list(query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const where = new Where();
    if (query.from) where.add((p) => `created_at >= ${p}`, parseInstant(query.from));
    if (query.to) where.add((p) => `created_at < ${p}`, parseInstant(query.to));
    if (query.actorId) where.add((p) => `actor_id = ${p}`, query.actorId);
    if (query.action) where.add((p) => `action = ${p}`, query.action);
    if (query.recordType) where.add((p) => `record_type = ${p}`, query.recordType);
    if (query.recordId) where.add((p) => `record_id = ${p}`, query.recordId);
    return fetchPage(
      this.dataSource,
      {
        select: `SELECT id, actor_type AS "actorType", actor_id AS "actorId", action, record_type AS "recordType",
                 record_id AS "recordId", request_id AS "requestId", reason, created_at AS "createdAt" FROM audit_event`,
        countFrom: 'FROM audit_event',
        orderBy: 'created_at DESC, id',
      },
      where,
      query,
      (row: Omit<AuditEventDto, 'createdAt'> & { createdAt: Date }) => ({
        ...row,
        createdAt: row.createdAt.toISOString(),
      }),
    );
  }
}
