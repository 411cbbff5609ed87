import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { CreateStaffDto } from './dto/create-staff.dto';
import { StaffDto } from './dto/staff.dto';
import { StaffService } from './staff.service';

@ApiTags('admin: staff')
@Controller('admin/staff')
@StaffOnly('admin')
export class AdminStaffController {
  constructor(private readonly staff: StaffService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a staff account (admins only)' })
  @ApiCreatedResponse({ type: StaffDto })
  @ApiProblems(400, 409)
  @Audited('staff.create', 'staff')
  async create(@Body() dto: CreateStaffDto): Promise<StaffDto> {
    return StaffDto.from(await this.staff.create(dto));
  }
}
