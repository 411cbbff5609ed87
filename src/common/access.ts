import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
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

/** The metadata key the auth module's global guard reads: the roles a handler admits. */
export const STAFF_ROLES_METADATA = 'staff-roles';

/**
 * Staff only: a valid bearer token of an active account with one of `roles`. Put on a
 * controller; narrow a single handler with @NarrowRoles. Only metadata: the auth module's
 * global guard enforces it, so that no module needs to import auth to protect its routes.
 */
export function StaffOnly(...roles: StaffRole[]) {
  return applyDecorators(
    SetMetadata(STAFF_ROLES_METADATA, roles),
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
