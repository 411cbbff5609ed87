import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsEmail,
  IsIn,
  IsNotEmptyObject,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsDateOfBirth, IsPersonName, IsPhone, IsPlainText, Optional, Trim } from '../../common/validators';
import { LOCALES, type Locale } from '../../common/locale';

/** A booking's notes for the clinic (the patient's or the desk's). */
export function IsBookingNotes() {
  return (target: object, propertyName: string) => {
    // Applied as the decorators would be stacked: the type check nearest the property first.
    IsString()(target, propertyName);
    IsPlainText(500, { multiline: true })(target, propertyName);
    Optional()(target, propertyName);
    ApiPropertyOptional({ maxLength: 500, description: 'For the clinic, e.g. access needs' })(
      target,
      propertyName,
    );
  };
}

/** The language a booking's emails are written in; `description` says its default. */
export function IsEmailLocale(description: string) {
  return (target: object, propertyName: string) => {
    IsIn(LOCALES, { message: 'must be en or nl' })(target, propertyName);
    Optional()(target, propertyName);
    ApiPropertyOptional({ enum: LOCALES, description })(target, propertyName);
  };
}

export class PatientDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Anna' })
  @IsPersonName()
  firstName: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'de Vries' })
  @IsPersonName()
  lastName: string;

  @ApiProperty({ maxLength: 254, example: 'anna.devries@example.nl' })
  @Trim()
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  email: string;

  @ApiProperty({
    example: '06 1234 5678',
    description: 'Any common notation; stored as E.164 (+31612345678)',
  })
  @IsPhone()
  phone: string;

  @ApiProperty({ format: 'date', example: '1980-05-17' })
  @IsDateOfBirth()
  dateOfBirth: string;
}

export class CreateBookingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a slot id (UUID)' })
  slotId: string;

  @ApiProperty({ type: PatientDto })
  @ValidateNested()
  @Type(() => PatientDto)
  @IsNotEmptyObject({}, { message: 'must be an object with firstName, lastName, email, phone, dateOfBirth' })
  patient: PatientDto;

  @IsEmailLocale('Language of the emails; default from Accept-Language, else en')
  locale?: Locale;

  @IsBookingNotes()
  notes?: string;

  @ApiProperty({
    enum: [true],
    description: 'The patient agrees to the clinic’s privacy notice (PRIVACY_NOTICE_URL) for this booking',
  })
  @Equals(true, { message: 'must be true: the patient agrees to the privacy notice' })
  consent: true;
}

export class CancelBookingDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsPlainText(500, { multiline: true })
  @IsString()
  reason?: string;
}

export class RescheduleBookingDto {
  @ApiProperty({ format: 'uuid', description: 'The new slot' })
  @IsUUID('all', { message: 'must be a slot id (UUID)' })
  slotId: string;
}

export class LookupDto {
  @ApiProperty({ maxLength: 254, example: 'anna.devries@example.nl' })
  @Trim()
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  email: string;

  @ApiProperty({ format: 'date', example: '1980-05-17' })
  @IsDateOfBirth()
  dateOfBirth: string;
}
