import { ApiProperty } from '@nestjs/swagger';
import { STAFF_ROLES, type StaffRole } from '../../common/access';
import type { Staff } from '../staff.entity';

/** What leaves the building about a staff account: never its password hash. */
export class StaffDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: STAFF_ROLES }) role: StaffRole;
  @ApiProperty() active: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(staff: Staff): StaffDto {
    return {
      id: staff.id,
      email: staff.email,
      role: staff.role,
      active: staff.active,
      createdAt: staff.createdAt.toISOString(),
    };
  }
}

export class StaffPageDto {
  @ApiProperty({ type: [StaffDto] }) data: StaffDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
