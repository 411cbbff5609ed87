import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { hashPassword } from './password';
import type { StaffRole } from '../common/access';
import { Staff } from './staff.entity';

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
