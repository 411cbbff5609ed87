import { ApiProperty } from '@nestjs/swagger';
import { BOOKING_SOURCES, BOOKING_STATUSES, type BookingSource, type BookingStatus } from '../booking.entity';
import { ClosureDto } from '../../slots/dto/closure.dto';
import { StaffSlotDto } from '../../slots/dto/slot.dto';
import { IsLocalDate } from '../../common/validators';

export class DaySheetQueryDto {
  @ApiProperty({ format: 'date', example: '2027-03-22', description: 'A local date of the clinic' })
  @IsLocalDate()
  date: string;
}

export class DaySheetPatientDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ example: '+31612345678' }) phone: string;
  @ApiProperty({ format: 'date' }) dateOfBirth: string;
  @ApiProperty() email: string;
}

export class DaySheetBookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() reference: string;
  @ApiProperty({ enum: BOOKING_STATUSES }) status: BookingStatus;
  @ApiProperty({ enum: BOOKING_SOURCES }) source: BookingSource;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;
  @ApiProperty({ type: DaySheetPatientDto }) patient: DaySheetPatientDto;
}

export class DaySheetSlotDto extends StaffSlotDto {
  @ApiProperty({
    type: [DaySheetBookingDto],
    description: 'Its bookings that are not cancelled, by last name',
  })
  bookings: DaySheetBookingDto[];
}

export class DaySheetDto {
  @ApiProperty({ format: 'date' }) date: string;
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'The time zone of the local times' })
  timeZone: string;
  @ApiProperty({ type: ClosureDto, nullable: true, description: 'The closure on this date, if any' })
  closure: ClosureDto | null;
  @ApiProperty({ type: [DaySheetSlotDto], description: 'The day’s slots (any status) by start time' })
  slots: DaySheetSlotDto[];
}
