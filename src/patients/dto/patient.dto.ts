import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, IsEmail, IsIn } from 'class-validator';
import { LOCALES, type Locale } from '../../common/locale';
import { IsDateOfBirth, IsPersonName, IsPhone, Optional, Trim } from '../../common/validators';
import { PageQueryDto } from '../../common/pagination.dto';

export class PatientQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Name, email or phone (any notation); case- and accent-insensitive',
    maxLength: 100,
  })
  @Optional()
  @MaxLength(100)
  @IsString()
  q?: string;
}

export class PatientRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty() email: string;
  @ApiProperty({ example: '+31612345678' }) phone: string;
  @ApiProperty({ format: 'date' }) dateOfBirth: string;
  @ApiProperty({ enum: ['en', 'nl'] }) locale: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PatientPageDto {
  @ApiProperty({ type: [PatientRecordDto] }) data: PatientRecordDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

/** The name and phone a booking was submitted with (a booking never changes the patient's record). */
export class SubmittedDetailsDto {
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ example: '+31612345678' }) phone: string;
}

export class PatientBookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() reference: string;
  @ApiProperty() status: string;
  @ApiProperty({ format: 'uuid' }) slotId: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt: string | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason: string | null;
  @ApiProperty({ type: String, nullable: true }) cancelledBy: string | null;
  @ApiProperty({ enum: ['online', 'staff'], description: 'Booked by the patient online, or by staff' })
  source: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the patient agreed to the privacy notice (online bookings)',
  })
  consentAt: string | null;
  @ApiProperty({ type: SubmittedDetailsDto, nullable: true, description: 'As submitted with the booking' })
  submittedDetails: SubmittedDetailsDto | null;
}

export class PatientDetailDto extends PatientRecordDto {
  @ApiProperty({ type: [PatientBookingDto] }) bookings: PatientBookingDto[];
}

export class PatientExportDto {
  @ApiProperty({ format: 'date-time' }) exportedAt: string;
  @ApiProperty({ type: PatientRecordDto }) patient: PatientRecordDto;
  @ApiProperty({ type: [PatientBookingDto] }) bookings: PatientBookingDto[];
  @ApiProperty({
    description: 'The emails sent or due to this patient (kind, status, times; not their text)',
  })
  notifications: {
    kind: string;
    recipient: string;
    status: string;
    createdAt: string;
    sentAt: string | null;
  }[];
}

/** A correction of a patient's record by staff: only the fields given change. */
export class UpdatePatientDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @Optional()
  @IsPersonName()
  firstName?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @Optional()
  @IsPersonName()
  lastName?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @Optional()
  @Trim()
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  email?: string;

  @ApiPropertyOptional({ example: '06 1234 5678', description: 'Any common notation; stored as E.164' })
  @Optional()
  @IsPhone()
  phone?: string;

  @ApiPropertyOptional({ format: 'date' })
  @Optional()
  @IsDateOfBirth()
  dateOfBirth?: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @Optional()
  @IsIn(LOCALES, { message: 'must be en or nl' })
  locale?: Locale;
}
