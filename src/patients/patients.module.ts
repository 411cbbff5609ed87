import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminPatientsController } from './admin-patients.controller';
import { Patient } from './patient.entity';
import { PatientRecordQueries } from './patient.queries';
import { PatientsService } from './patients.service';

/**
 * Patients: the patient table (found or created by the booking statement, erased by the
 * bookings lifecycle through PatientsService) and the front desk's read model of records.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Patient])],
  controllers: [AdminPatientsController],
  providers: [PatientsService, PatientRecordQueries],
  exports: [PatientsService, PatientRecordQueries],
})
export class PatientsModule {}
