import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { AdminPatientsController } from './admin-patients.controller';
import { PatientRecordsService } from './patient-records.service';
import { PatientsModule } from './patients.module';

/**
 * The front desk's patient records. Apart from PatientsModule (which bookings need, to find
 * or create a patient) because export and erasure need bookings in turn: one module each way
 * would be a cycle.
 */
@Module({
  imports: [PatientsModule, BookingsModule],
  controllers: [AdminPatientsController],
  providers: [PatientRecordsService],
})
export class PatientRecordsModule {}
