import { Controller, Delete, Get, HttpCode, Query, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { NarrowRoles, StaffOnly, type StaffRequest } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { PatientDetailDto, PatientExportDto, PatientPageDto, PatientQueryDto } from './dto/patient.dto';
import { PatientRecordsService } from './patient-records.service';

@ApiTags('admin: patients')
@Controller('admin/patients')
@StaffOnly('admin', 'receptionist')
export class AdminPatientsController {
  constructor(private readonly records: PatientRecordsService) {}

  @Get()
  @ApiOperation({ summary: 'Find patients by name, email or phone' })
  @ApiOkResponse({ type: PatientPageDto })
  @ApiProblems(400)
  @Audited('patient.search', 'patient', 'none')
  search(@Query() query: PatientQueryDto): Promise<PatientPageDto> {
    return this.records.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A patient with all their bookings' })
  @ApiOkResponse({ type: PatientDetailDto })
  @ApiProblems(400, 404)
  @Audited('patient.view', 'patient')
  get(@UuidParam() id: string): Promise<PatientDetailDto> {
    return this.records.get(id);
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'Everything held about a patient, as JSON (GDPR art. 15)' })
  @ApiOkResponse({ type: PatientExportDto })
  @ApiProblems(400, 404)
  @Audited('patient.export', 'patient', { param: 'id' })
  export(@UuidParam() id: string): Promise<PatientExportDto> {
    return this.records.export(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @NarrowRoles('admin')
  @ApiOperation({
    summary: 'Erase a patient’s personal data (GDPR art. 17; admins only)',
    description:
      'Future bookings are cancelled first (places freed, no email); names, email, phone, date of birth and ' +
      'notes are irreversibly replaced everywhere; booking statuses and counts stay for statistics.',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiProblems(400, 404)
  async erase(@UuidParam() id: string, @Req() request: StaffRequest & { id?: string }): Promise<void> {
    await this.records.erase(id, { staffId: request.staff.id, requestId: request.id });
  }
}
