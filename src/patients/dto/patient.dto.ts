import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto';
import { Optional } from '../../common/validators';

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
