import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { StaffAuthenticator } from '../common/access';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AuditService } from '../audit/audit.service';
import { DomainError, invalidField } from '../common/domain-error';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../staff/password';
import { Staff } from '../staff/staff.entity';
import { StaffService } from '../staff/staff.service';
import { LoginLimiter } from './login-limiter';

export interface StaffTokenPayload {
  sub: string;
  role: Staff['role'];
  exp?: number;
}

@Injectable()
export class AuthService implements StaffAuthenticator {
  constructor(
    private readonly staff: StaffService,
    private readonly jwt: JwtService,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(
    email: string,
    password: string,
    address: string,
    requestId?: string,
  ): Promise<{ accessToken: string; expiresIn: number }> {
    const attempt = await this.limiter.begin(email, address);
    if (!attempt.allowed) {
      throw new DomainError('rate-limited', 'Too many sign-in attempts. Try again later.', {
        retryAfterSeconds: attempt.retryAfterSeconds,
      });
    }
    let account: Staff | null;
    let valid = false;
    try {
      account = await this.staff.findActiveByEmail(email);
      const matches = await verifyPassword(account?.passwordHash ?? (await DUMMY_PASSWORD_HASH), password);
      valid = matches && account !== null;
    } finally {
      await this.limiter.finish(attempt.ticket, valid);
    }
    if (!account || !valid) {
      // The attempted email is not kept (it may be anyone's); a known account's id is.
      await this.audit.record({
        actorType: 'staff',
        actorId: account?.id,
        action: 'auth.login_failed',
        requestId,
      });
      throw new DomainError('unauthenticated', 'The email or password is not correct.');
    }
    await this.audit.record({
      actorType: 'staff',
      actorId: account.id,
      action: 'auth.login',
      recordType: 'staff',
      recordId: account.id,
      requestId,
    });
    const payload: StaffTokenPayload = { sub: account.id, role: account.role };
    const accessToken = await this.jwt.signAsync(payload, { expiresIn: this.config.staffTokenTtlSeconds });
    return { accessToken, expiresIn: this.config.staffTokenTtlSeconds };
  }

  /**
   * Changes a signed-in account's own password. The current one is checked like a sign-in
   * (counted first, one check at a time), so a stolen token cannot guess it fast.
   */
  async changeOwnPassword(staffId: string, current: string, next: string, address: string): Promise<void> {
    const account = await this.staff.findActiveById(staffId);
    if (!account)
      throw new DomainError('unauthenticated', 'The access token is invalid or has expired. Sign in again.');
    const attempt = await this.limiter.begin(account.email, address);
    if (!attempt.allowed) {
      throw new DomainError('rate-limited', 'Too many attempts. Try again later.', {
        retryAfterSeconds: attempt.retryAfterSeconds,
      });
    }
    let valid = false;
    try {
      valid = await verifyPassword(account.passwordHash, current);
    } finally {
      await this.limiter.finish(attempt.ticket, valid);
    }
    if (!valid) throw invalidField('currentPassword', 'is not your current password');
    await this.staff.setPassword(staffId, next);
  }

  /** The active staff member a bearer token belongs to, or a DomainError (unauthenticated). */
  async authenticate(token: string): Promise<Staff> {
    let payload: StaffTokenPayload;
    try {
      payload = await this.jwt.verifyAsync<StaffTokenPayload>(token, { algorithms: ['HS256'] });
    } catch {
      throw new DomainError('unauthenticated', 'The access token is invalid or has expired. Sign in again.');
    }
    // A token must expire and name an account by its id; anything else is not one of ours.
    const wellFormed =
      typeof payload.exp === 'number' && typeof payload.sub === 'string' && isUUID(payload.sub);
    // Looked up on every request, so that deactivating an account takes effect at once.
    const staff = wellFormed ? await this.staff.findActiveById(payload.sub) : null;
    if (!staff)
      throw new DomainError('unauthenticated', 'The access token is invalid or has expired. Sign in again.');
    return staff;
  }
}
