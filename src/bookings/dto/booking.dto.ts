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

/** A booking joined with its slot and patient, as the queries answer it. */
export interface BookingView {
  id: string;
  reference: string;
  status: BookingStatus;
  slotId: string;
  startsAt: Date;
  endsAt: Date;
  firstName: string;
  lastName: string;
  email: string;
  createdAt: Date;
}

export function toBookingDto(view: BookingView): BookingDto {
  return {
    id: view.id,
    reference: view.reference,
    status: view.status,
    slot: { id: view.slotId, startsAt: view.startsAt.toISOString(), endsAt: view.endsAt.toISOString() },
    patient: { firstName: view.firstName, lastName: view.lastName, email: view.email },
    createdAt: view.createdAt.toISOString(),
  };
}
