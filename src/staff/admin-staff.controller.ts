import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { PageQueryDto } from '../common/pagination.dto';
import { UuidParam } from '../common/uuid.pipe';
import { CreateStaffDto, SetPasswordDto, UpdateStaffDto } from './dto/create-staff.dto';
import { StaffDto, StaffPageDto } from './dto/staff.dto';
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

  @Get()
  @ApiOperation({ summary: 'Every staff account, by email (admins only)' })
  @ApiOkResponse({ type: StaffPageDto })
  @ApiProblems(400)
  list(@Query() query: PageQueryDto): Promise<StaffPageDto> {
    return this.staff.list(query);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a role, deactivate or reactivate (admins only)',
    description:
      'A deactivated account’s tokens stop working at its next request. The last active admin can be neither demoted nor deactivated (409).',
  })
  @ApiOkResponse({ type: StaffDto })
  @ApiProblems(400, 404, 409)
  @Audited('staff.update', 'staff', { param: 'id' })
  async update(@UuidParam() id: string, @Body() dto: UpdateStaffDto): Promise<StaffDto> {
    return StaffDto.from(await this.staff.update(id, dto));
  }

  @Post(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password for an account (admins only); the old one stops working' })
  @ApiNoContentResponse({ description: 'Set' })
  @ApiProblems(400, 404)
  @Audited('staff.password_set', 'staff', { param: 'id' })
  async setPassword(@UuidParam() id: string, @Body() dto: SetPasswordDto): Promise<void> {
    await this.staff.setPassword(id, dto.password);
  }
}
