import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, Observable } from 'rxjs';
import type { StaffPrincipal } from '../common/access';
import { AuditService } from './audit.service';

const AUDITED = 'audited';

interface AuditedOptions {
  action: string;
  recordType?: string;
  /** Where the record id is: a route parameter, or the answer's `id` (default). */
  recordFrom?: { param: string } | 'response' | 'none';
}

/**
 * Records an audit event after the handler succeeded: the staff member (or `patient` on the
 * public endpoints), the action, the record and the request id.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<AuditedOptions | undefined>(AUDITED, context.getHandler());
    if (!options) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { staff?: StaffPrincipal }>();
    return next.handle().pipe(
      mergeMap((answer) =>
        from(
          (async () => {
            const source = options.recordFrom ?? 'response';
            const recordId =
              source === 'none'
                ? null
                : source === 'response'
                  ? ((answer as { id?: string } | undefined)?.id ?? null)
                  : ((request.params as Record<string, string | undefined>)[source.param] ?? null);
            await this.audit.record({
              actorType: request.staff ? 'staff' : 'patient',
              actorId: request.staff?.id ?? null,
              action: options.action,
              recordType: options.recordType ?? null,
              recordId: typeof recordId === 'string' ? recordId : null,
              requestId: typeof request.id === 'string' ? request.id : null,
            });
            return answer;
          })(),
        ),
      ),
    );
  }
}

export function Audited(action: string, recordType?: string, recordFrom?: AuditedOptions['recordFrom']) {
  return applyDecorators(
    SetMetadata(AUDITED, { action, recordType, recordFrom }),
    UseInterceptors(AuditInterceptor),
  );
}
