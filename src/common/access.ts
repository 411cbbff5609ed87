import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from './domain-error';
import { ProblemDto } from './problem.dto';

export const STAFF_ROLES = ['admin', 'receptionist'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who a staff request is from, as the auth module's guard found them. */
export interface StaffPrincipal {
  id: string;
  role: StaffRole;
}

export interface StaffRequest extends FastifyRequest {
  staff: StaffPrincipal;
}

const STAFF_ROLES_METADATA = 'staff-roles';

/** Finds the active staff member a bearer token belongs to; provided by the auth module. */
export interface StaffAuthenticator {
  /** Throws a DomainError (unauthenticated) for a bad, expired or deactivated token. */
  authenticate(token: string): Promise<StaffPrincipal>;
}
export const STAFF_AUTHENTICATOR = Symbol('STAFF_AUTHENTICATOR');

/**
 * Enforces @StaffOnly and @NarrowRoles: a bearer token of an active account with one of the
 * roles. The token is checked by the auth module's StaffAuthenticator, so that no module imports
 * auth to protect its routes (and auth can import staff and audit).
 */
@Injectable()
export class StaffGuard implements CanActivate {
  constructor(
    @Inject(STAFF_AUTHENTICATOR) private readonly authenticator: StaffAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<StaffRole[]>(STAFF_ROLES_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<StaffRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new DomainError(
        'unauthenticated',
        'This endpoint needs a staff bearer token (POST /api/v1/auth/login).',
      );
    }
    const staff = await this.authenticator.authenticate(token);
    request.staff = { id: staff.id, role: staff.role };
    if (!roles.includes(staff.role)) {
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
    SetMetadata(STAFF_ROLES_METADATA, roles),
    UseGuards(StaffGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'No, invalid or expired bearer token' }),
    ApiForbiddenResponse({ type: ProblemDto, description: `Needs the ${roles.join(' or ')} role` }),
  );
}

/** On a handler of a @StaffOnly controller: these roles only (the handler's list wins). */
export function NarrowRoles(...roles: StaffRole[]) {
  return applyDecorators(
    SetMetadata(STAFF_ROLES_METADATA, roles),
    ApiForbiddenResponse({ type: ProblemDto, description: `Needs the ${roles.join(' or ')} role` }),
  );
}
