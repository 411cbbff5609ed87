import { SubmittedDetailsDto } from '../../patients/dto/patient.dto';
import { ApiLocalTime } from '../../slots/dto/slot.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmptyObject,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { Locale } from '../../common/locale';
import { PageQueryDto } from '../../common/pagination.dto';
import { IsInstantOrLocalDate, IsPlainText, Optional, ToList } from '../../common/validators';
import { BOOKING_SOURCES, BOOKING_STATUSES, type BookingSource, type BookingStatus } from '../booking.entity';
import { IsBookingNotes, IsEmailLocale, PatientDto } from './booking-input.dto';
import { BookingSlotDto } from './booking.dto';

export const BOOKING_SORTS = [
  'startsAt',
  '-startsAt',
  'createdAt',
  '-createdAt',
  'lastName',
  '-lastName',
] as const;
export type BookingSort = (typeof BOOKING_SORTS)[number];

export class AdminBookingQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Slot starts at or after: a date-time, or a plain date (the clinic’s day)',
  })
  @Optional()
  @IsInstantOrLocalDate()
  from?: string;

  @ApiPropertyOptional({
    description: 'Slot starts before: a date-time, or a plain date (that day included)',
  })
  @Optional()
  @IsInstantOrLocalDate()
  to?: string;

  @ApiPropertyOptional({
    enum: BOOKING_STATUSES,
    isArray: true,
    description: 'One or several, comma-separated',
  })
  @Optional()
  @ToList()
  @IsIn(BOOKING_STATUSES, { each: true, message: `must be among ${BOOKING_STATUSES.join(', ')}` })
  status?: BookingStatus[];

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID('all', { message: 'must be a UUID' })
  slotId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID('all', { message: 'must be a UUID' })
  patientId?: string;

  @ApiPropertyOptional({
    description: 'Name, email, phone (any notation) or reference; case- and accent-insensitive',
    maxLength: 100,
  })
  @Optional()
  @MaxLength(100)
  @IsString()
  q?: string;

  @ApiPropertyOptional({
    enum: BOOKING_SORTS,
    default: 'startsAt',
    description: 'A leading - sorts descending',
  })
  @Optional()
  @IsIn(BOOKING_SORTS, { message: `must be one of ${BOOKING_SORTS.join(', ')}` })
  sort: BookingSort = 'startsAt';

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    description: 'csv: the same rows as CSV (also with Accept: text/csv), all of them',
  })
  @Optional()
  @IsIn(['json', 'csv'], { message: 'must be json or csv' })
  format?: 'json' | 'csv';
}

export class AdminBookingPatientDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty() email: string;
  @ApiProperty({ example: '+31612345678' }) phone: string;
  @ApiProperty({ format: 'date' }) dateOfBirth: string;
}

export class AdminBookingSlotDto extends BookingSlotDto {
  @ApiLocalTime('startsAt') startsAtLocal: string;
  @ApiLocalTime('endsAt') endsAtLocal: string;
}

export class AdminBookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() reference: string;
  @ApiProperty({ enum: BOOKING_STATUSES }) status: BookingStatus;
  @ApiProperty({
    enum: BOOKING_SOURCES,
    description: 'online: booked by the patient; staff: by the front desk for them',
  })
  source: BookingSource;
  @ApiProperty({ type: AdminBookingSlotDto }) slot: AdminBookingSlotDto;
  @ApiProperty({ type: AdminBookingPatientDto }) patient: AdminBookingPatientDto;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt: string | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason: string | null;
  @ApiProperty({ type: String, enum: ['patient', 'staff'], nullable: true }) cancelledBy:
    'patient' | 'staff' | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the patient agreed to the privacy notice (online bookings)',
  })
  consentAt: string | null;
  @ApiProperty({
    type: SubmittedDetailsDto,
    nullable: true,
    description:
      'Set when the name or phone submitted with this booking differ from the patient’s record ' +
      '(a booking never changes the record): check with the patient and correct the record',
  })
  submittedDetails: SubmittedDetailsDto | null;
}

export class AdminBookingPageDto {
  @ApiProperty({ type: [AdminBookingDto] }) data: AdminBookingDto[];
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'The time zone of the local times' })
  timeZone: string;
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class UpdateBookingStatusDto {
  @ApiProperty({ enum: ['attended', 'no_show', 'booked', 'cancelled'] })
  @IsIn(['attended', 'no_show', 'booked', 'cancelled'], {
    message: 'must be attended, no_show, booked or cancelled',
  })
  status: 'attended' | 'no_show' | 'booked' | 'cancelled';

  @ApiPropertyOptional({
    maxLength: 500,
    description:
      'Why: told to the patient for a cancellation; required to correct an attendance mark (kept in the audit log)',
  })
  @Optional()
  @IsPlainText(500, { multiline: true })
  @IsString()
  reason?: string;
}

export class CancelSlotDto {
  @ApiProperty({ maxLength: 500, example: 'The nurse is ill' })
  @IsPlainText(500, { multiline: true })
  @IsString()
  reason: string;
}

export class StaffBookingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a slot id (UUID)' })
  slotId: string;

  @ApiPropertyOptional({
    type: PatientDto,
    description: 'A new or returning patient (found by email and date of birth); or give patientId',
  })
  @Optional()
  @ValidateNested()
  @Type(() => PatientDto)
  @IsNotEmptyObject({}, { message: 'must be an object with firstName, lastName, email, phone, dateOfBirth' })
  patient?: PatientDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'A known patient; or give patient details' })
  @Optional()
  @IsUUID('all', { message: 'must be a patient id (UUID)' })
  patientId?: string;

  @IsEmailLocale('Language of the emails; default the known patient’s, else STAFF_LOCALE')
  locale?: Locale;

  @IsBookingNotes()
  notes?: string;

  @ApiPropertyOptional({
    default: true,
    description: 'Email the confirmation (with its manage link) and the reminder; false: no email',
  })
  @Optional()
  @IsBoolean({ message: 'must be true or false' })
  notify?: boolean;
}

export class StaffRescheduleDto {
  @ApiProperty({ format: 'uuid', description: 'The new slot' })
  @IsUUID('all', { message: 'must be a slot id (UUID)' })
  slotId: string;

  @ApiPropertyOptional({
    default: true,
    description: 'Email the patient the new time with an updated calendar invite; false: no email',
  })
  @Optional()
  @IsBoolean({ message: 'must be true or false' })
  notify?: boolean;
}
