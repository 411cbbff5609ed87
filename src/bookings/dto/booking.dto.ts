import { ApiProperty } from '@nestjs/swagger';
import { BOOKING_STATUSES, type BookingStatus } from '../booking.entity';

export class BookingSlotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
}

export class BookingPatientDto {
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty() email: string;
}

export class BookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'B12-7KQ4M9' }) reference: string;
  @ApiProperty({ enum: BOOKING_STATUSES }) status: BookingStatus;
  @ApiProperty({ type: BookingSlotDto }) slot: BookingSlotDto;
  @ApiProperty({ type: BookingPatientDto }) patient: BookingPatientDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class BookingCreatedDto extends BookingDto {
  @ApiProperty({
    description:
      'Shown once: with the reference, it lets the patient view, cancel or reschedule (X-Booking-Token)',
  })
  manageToken: string;
}
