import { Controller, Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor } from '../audit/actor';
import { StaffOnly } from '../common/access';
import { NotFoundError } from '../common/domain-error';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { BookingLifecycle } from './booking-lifecycle';

/** Lives with bookings: erasing a patient cancels their future bookings and redacts their emails. */
@ApiTags('admin: patients')
@Controller('admin/patients')
@StaffOnly('admin')
export class AdminPatientErasureController {
  constructor(private readonly lifecycle: BookingLifecycle) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase a patient’s personal data (GDPR art. 17; admins only)',
    description:
      'Future bookings are cancelled first (places freed, no email); names, email, phone, date of birth and ' +
      'notes are irreversibly replaced everywhere; booking statuses and counts stay for statistics.',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiProblems(400, 404)
  async erase(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<void> {
    if (!(await this.lifecycle.erasePatient(id, actor))) {
      throw new NotFoundError('There is no patient with this id (or their data is already erased).');
    }
  }
}
