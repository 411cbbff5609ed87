import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { PatientDetailDto, PatientExportDto, PatientPageDto, PatientQueryDto } from './dto/patient.dto';
import { PatientRecordQueries } from './patient.queries';

@ApiTags('admin: patients')
@Controller('admin/patients')
@StaffOnly('admin', 'receptionist')
export class AdminPatientsController {
  constructor(private readonly records: PatientRecordQueries) {}

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
}
