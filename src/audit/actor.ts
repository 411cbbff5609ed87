import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { StaffPrincipal } from '../common/access';
import type { ActorType } from './audit-event.entity';

/** Who asked for a change, for its audit entry: a staff member, a patient (by token) or the system. */
export interface Actor {
  type: ActorType;
  staffId?: string;
  requestId?: string;
}

export const SYSTEM: Actor = { type: 'system' };

/** The request's actor: the signed-in staff member, or else the patient. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { staff?: StaffPrincipal }>();
  return {
    type: request.staff ? 'staff' : 'patient',
    staffId: request.staff?.id,
    requestId: typeof request.id === 'string' ? request.id : undefined,
  };
});
