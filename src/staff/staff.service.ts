import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { Page } from '../common/pagination.dto';
import { ConflictError, invalidField, NotFoundError } from '../common/domain-error';
import { fetchPage, updateReturning, Where } from '../common/sql';
import { StaffDto } from './dto/staff.dto';
import { hashPassword } from './password';
import type { StaffRole } from '../common/access';
import { Staff } from './staff.entity';
import { transaction } from '../common/transaction';

@Injectable()
export class StaffService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StaffService.name);

  constructor(
    @InjectRepository(Staff) private readonly staff: Repository<Staff>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: { email: string; password: string; role: StaffRole }): Promise<Staff> {
    const passwordHash = await hashPassword(input.password);
    return this.staff.save(
      this.staff.create({ email: input.email.toLowerCase(), passwordHash, role: input.role }),
    );
  }

  async list(page: { limit: number; offset: number }): Promise<Page<StaffDto>> {
    return fetchPage(
      this.dataSource,
      {
        select: `SELECT id, email, role, active, created_at AS "createdAt" FROM staff`,
        countFrom: 'FROM staff',
        orderBy: 'email, id',
      },
      new Where(),
      page,
      StaffDto.from,
    );
  }

  /**
   * Role and active flag. The last active admin can be neither demoted nor deactivated: the
   * active admins' rows are locked first, so two admins demoting each other at once take turns
   * and the second is refused.
   */
  async update(id: string, change: { role?: StaffRole; active?: boolean }): Promise<Staff> {
    if (change.role === undefined && change.active === undefined) {
      throw invalidField('body', 'must change role or active');
    }
    return transaction(this.dataSource, async (manager) => {
      const admins = await manager.query<{ id: string }[]>(
        `SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`,
      );
      const account = await manager
        .getRepository(Staff)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!account) throw new NotFoundError('There is no staff account with this id.');
      const stillAdmin = (change.role ?? account.role) === 'admin' && (change.active ?? account.active);
      if (!stillAdmin && admins.length === 1 && admins[0].id === id) {
        throw new ConflictError(
          'last-admin',
          'This is the last active admin: make another account an admin first.',
        );
      }
      await manager.query(
        `UPDATE staff SET role = COALESCE($2, role), active = COALESCE($3, active), updated_at = now() WHERE id = $1`,
        [id, change.role ?? null, change.active ?? null],
      );
      return { ...account, ...change } as Staff;
    });
  }

  /** Sets a new password (its policy is checked by the DTO); the old one stops working. */
  async setPassword(id: string, password: string): Promise<void> {
    const rows = await updateReturning(
      this.dataSource,
      `UPDATE staff SET password_hash = $2, updated_at = now() WHERE id = $1 RETURNING id`,
      [id, await hashPassword(password)],
    );
    if (rows.length === 0) throw new NotFoundError('There is no staff account with this id.');
  }

  /** The password hash of an active account, to check a password against. */
  async passwordHashOf(id: string): Promise<string | undefined> {
    return (await this.staff.findOneBy({ id, active: true }))?.passwordHash;
  }

  /** Whether any staff account exists. */
  async any(): Promise<boolean> {
    return (await this.staff.count({ take: 1 })) > 0;
  }

  findActiveByEmail(email: string): Promise<Staff | null> {
    return this.staff.findOneBy({ email: email.trim().toLowerCase(), active: true });
  }

  findActiveById(id: string): Promise<Staff | null> {
    return this.staff.findOneBy({ id, active: true });
  }

  /**
   * Creates the first admin from BOOTSTRAP_ADMIN_* when there is no staff at all. The insert is
   * conditional in one statement, so instances booting together create exactly one.
   */
  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const passwordHash = await hashPassword(admin.password);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO staff (email, password_hash, role)
       SELECT $1, $2, 'admin'
       WHERE NOT EXISTS (SELECT 1 FROM staff)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [admin.email.toLowerCase(), passwordHash],
    );
    if (rows.length > 0) this.logger.log('created the first admin from BOOTSTRAP_ADMIN_EMAIL');
  }
}
