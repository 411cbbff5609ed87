import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { STAFF_ROLES_METADATA, type StaffRequest, type StaffRole } from '../common/access';
import { DomainError } from '../common/domain-error';
import { AuthService } from './auth.service';

/**
 * Enforces @StaffOnly and @NarrowRoles (common/access) on every route, as a global guard:
 * a route without them is public and passes untouched.
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<StaffRole[] | undefined>(STAFF_ROLES_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) return true;
    const request = context.switchToHttp().getRequest<StaffRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new DomainError(
        'unauthenticated',
        'This endpoint needs a staff bearer token (POST /api/v1/auth/login).',
      );
    }
    const staff = await this.auth.authenticate(token);
    request.staff = { id: staff.id, role: staff.role };
    if (!roles.includes(staff.role)) {
      throw new DomainError('forbidden', `This needs the ${roles.join(' or ')} role.`);
    }
    return true;
  }
}
