import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/domain-error';
import { ProblemDto } from '../common/problem.dto';
import type { Staff, StaffRole } from '../staff/staff.entity';
import { AuthService } from './auth.service';

const ROLES = 'staff-roles';

export interface StaffRequest extends FastifyRequest {
  staff: Staff;
}

@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<StaffRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new DomainError(
        'unauthenticated',
        'This endpoint needs a staff bearer token (POST /api/v1/auth/login).',
      );
    }
    request.staff = await this.auth.authenticate(token);
    const roles = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(request.staff.role)) {
      throw new DomainError('forbidden', `This needs the ${roles.join(' or ')} role.`);
    }
    return true;
  }
}

/**
 * Staff only: a valid bearer token of an active account with one of `roles`. Put on a
 * controller; narrow a single handler with @NarrowRoles, which adds no second guard run.
 */
export function StaffOnly(...roles: StaffRole[]) {
  return applyDecorators(
    SetMetadata(ROLES, roles),
    UseGuards(StaffAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'No, invalid or expired bearer token' }),
    ApiForbiddenResponse({ type: ProblemDto, description: `Needs the ${roles.join(' or ')} role` }),
  );
}

/** On a handler of a @StaffOnly controller: these roles only (the handler's list wins). */
export function NarrowRoles(...roles: StaffRole[]) {
  return applyDecorators(
    SetMetadata(ROLES, roles),
    ApiForbiddenResponse({ type: ProblemDto, description: `Needs the ${roles.join(' or ')} role` }),
  );
}
