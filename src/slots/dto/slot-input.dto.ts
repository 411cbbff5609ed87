import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto';
import {
  IsInstant,
  IsLocalDate,
  IsLocalTime,
  IsTimeZone,
  NullableOptional,
  Optional,
  ToInt,
  ToList,
  IsInstantOrLocalDate,
} from '../../common/validators';
import { SLOT_STATUSES, type SlotStatus } from '../slot.entity';

// class-validator runs a property's decorators from the bottom up and, with stopAtFirstError,
// reports the first failure: so the type check sits right above the property, and "2" is
// reported as "must be a whole number", not as "must not be greater than 50".

/**
 * At most 50 parallel places: the clinic's phlebotomy room has a handful of chairs, so a larger
 * number is a typo, and 50 leaves room for group sessions without letting one typo sell 5,000.
 */
export const MAX_CAPACITY = 50;
export const MAX_NOTES = 500;

export class CreateSlotDto {
  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:00:00Z' })
  @IsInstant()
  startsAt: string;

  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:30:00Z' })
  @IsInstant()
  endsAt: string;

  @ApiProperty({ minimum: 1, maximum: MAX_CAPACITY, example: 1 })
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt({ message: 'must be a whole number' })
  capacity: number;

  @ApiPropertyOptional({ maxLength: MAX_NOTES })
  @Optional()
  @MaxLength(MAX_NOTES)
  @IsString()
  notes?: string;
}

export class BreakDto {
  @ApiProperty({ example: '12:00' }) @IsLocalTime() start: string;
  @ApiProperty({ example: '13:00' }) @IsLocalTime({ allowEndOfDay: true }) end: string;
}

export class RotaDto {
  @ApiProperty({ format: 'date', example: '2027-03-22', description: 'First local date (included)' })
  @IsLocalDate()
  from: string;

  @ApiProperty({ format: 'date', example: '2027-04-02', description: 'Last local date (included)' })
  @IsLocalDate()
  to: string;

  @ApiProperty({ type: [Number], example: [1, 2, 3, 4, 5], description: 'ISO weekdays, Monday = 1' })
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @ArrayUnique()
  @Min(1, { each: true, message: 'must hold whole numbers from 1 (Monday) to 7 (Sunday)' })
  @Max(7, { each: true, message: 'must hold whole numbers from 1 (Monday) to 7 (Sunday)' })
  @IsInt({ each: true, message: 'must hold whole numbers from 1 (Monday) to 7 (Sunday)' })
  @IsArray()
  weekdays: number[];

  @ApiProperty({ example: '09:00' }) @IsLocalTime() dayStart: string;
  @ApiProperty({ example: '17:00' }) @IsLocalTime({ allowEndOfDay: true }) dayEnd: string;

  @ApiProperty({ minimum: 5, maximum: 480, example: 30 })
  @Min(5)
  @Max(480)
  @IsInt({ message: 'must be a whole number' })
  slotMinutes: number;

  @ApiProperty({ minimum: 1, maximum: MAX_CAPACITY, example: 1 })
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt({ message: 'must be a whole number' })
  capacity: number;

  @ApiPropertyOptional({ type: [BreakDto] })
  @Optional()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => BreakDto)
  @IsArray()
  breaks?: BreakDto[];

  @ApiPropertyOptional({ type: [String], example: ['2027-03-26'] })
  @Optional()
  @ArrayMaxSize(400)
  @IsLocalDate({ each: true, message: 'must hold real dates as YYYY-MM-DD' })
  @IsArray()
  excludeDates?: string[];

  @ApiPropertyOptional({ example: 'Europe/Amsterdam', description: 'Defaults to CLINIC_TIMEZONE' })
  @Optional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ maxLength: MAX_NOTES })
  @Optional()
  @MaxLength(MAX_NOTES)
  @IsString()
  notes?: string;
}

export class UpdateSlotDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_CAPACITY,
    description: 'Never below the number of bookings',
  })
  @Optional()
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt({ message: 'must be a whole number' })
  capacity?: number;

  @ApiPropertyOptional({
    enum: ['open', 'closed'],
    description: 'Closing keeps bookings; it only stops new ones',
  })
  @Optional()
  @IsIn(['open', 'closed'], { message: 'must be open or closed (cancel a slot with POST …/cancel)' })
  status?: 'open' | 'closed';

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_NOTES, description: 'null clears' })
  @NullableOptional()
  @MaxLength(MAX_NOTES)
  @IsString()
  notes?: string | null;
}

export class AdminSlotQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Slots starting at or after: a date-time, or a plain date (the clinic’s day). Default: start of today',
  })
  @Optional()
  @IsInstantOrLocalDate()
  from?: string;

  @ApiPropertyOptional({
    description: 'Slots starting before: a date-time, or a plain date (that day included)',
  })
  @Optional()
  @IsInstantOrLocalDate()
  to?: string;

  @ApiPropertyOptional({ enum: SLOT_STATUSES, isArray: true, description: 'One or several, comma-separated' })
  @Optional()
  @ToList()
  @IsIn(SLOT_STATUSES, { each: true, message: `must be among ${SLOT_STATUSES.join(', ')}` })
  status?: SlotStatus[];
}

export const MAX_PUBLIC_WINDOW_DAYS = 93;

export class PublicSlotQueryDto {
  @ApiPropertyOptional({
    description:
      'A date-time, or a plain date (the start of that day in the clinic’s time zone). Default: now',
    example: '2027-03-22',
  })
  @Optional()
  @IsInstantOrLocalDate()
  from?: string;

  @ApiPropertyOptional({
    description: `A date-time, or a plain date (that day included). Default: four weeks after from; at most ${MAX_PUBLIC_WINDOW_DAYS} days after it`,
    example: '2027-03-28',
  })
  @Optional()
  @IsInstantOrLocalDate()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @Optional()
  @ToInt()
  @Min(1)
  @Max(500)
  @IsInt({ message: 'must be a whole number' })
  limit: number = 50;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Optional()
  @MaxLength(200)
  @IsString()
  cursor?: string;
}

export class AvailableDaysQueryDto {
  @ApiPropertyOptional({
    format: 'date',
    description: 'First local date. Default: today',
    example: '2027-03-01',
  })
  @Optional()
  @IsLocalDate()
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: `Last local date (included). Default: 34 days after from; at most ${MAX_PUBLIC_WINDOW_DAYS - 1} days after it`,
    example: '2027-04-04',
  })
  @Optional()
  @IsLocalDate()
  to?: string;
}
