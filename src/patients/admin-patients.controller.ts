import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import {
  PatientDetailDto,
  PatientExportDto,
  PatientPageDto,
  PatientQueryDto,
  UpdatePatientDto,
} from './dto/patient.dto';
import { NotFoundError } from '../common/domain-error';
import { normalisePhone } from '../common/phone';
import { PatientRecordQueries } from './patient.queries';
import { PatientsService } from './patients.service';

@ApiTags('admin: patients')
@Controller('admin/patients')
@StaffOnly('admin', 'receptionist')
export class AdminPatientsController {
  constructor(
    private readonly records: PatientRecordQueries,
    private readonly patients: PatientsService,
  ) {}

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

  @Patch(':id')
  @ApiOperation({
    summary: 'Correct a patient’s record: names, email, phone, date of birth, language',
    description:
      'Only the fields given change. 409 when the email and date of birth would be another patient’s. ' +
      'Bookings whose submitted details differed from the record stop being flagged once they match.',
  })
  @ApiOkResponse({ type: PatientDetailDto })
  @ApiProblems(400, 404, 409)
  @Audited('patient.update', 'patient', { param: 'id' })
  async update(@UuidParam() id: string, @Body() dto: UpdatePatientDto): Promise<PatientDetailDto> {
    const phone = dto.phone === undefined ? undefined : normalisePhone(dto.phone);
    if (!(await this.patients.update(id, { ...dto, phone }))) {
      throw new NotFoundError('There is no patient with this id.');
    }
    return this.records.get(id);
  }
}
