import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString } from 'class-validator';
import { IsLocalDate, IsPlainText } from '../../common/validators';

export class CreateClosureDto {
  @ApiProperty({ format: 'date', example: '2027-03-26', description: 'First local date closed (included)' })
  @IsLocalDate()
  from: string;

  @ApiProperty({ format: 'date', example: '2027-03-26', description: 'Last local date closed (included)' })
  @IsLocalDate()
  to: string;

  @ApiProperty({
    maxLength: 500,
    example: 'Illness',
    description: 'Why; told to each patient whose booking the closure cancels',
  })
  @IsPlainText(500)
  @IsString()
  reason: string;

  @ApiProperty({
    description:
      'true: the slots are cancelled with their bookings, each patient emailed; false: the slots are closed to new bookings and existing bookings stay',
  })
  @IsBoolean({ message: 'must be true or false' })
  cancelBookings: boolean;
}

export class ClosureDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date' }) from: string;
  @ApiProperty({ format: 'date' }) to: string;
  @ApiProperty() reason: string;
  @ApiProperty() cancelBookings: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ClosurePageDto {
  @ApiProperty({ type: [ClosureDto] }) data: ClosureDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class ClosureResultDto extends ClosureDto {
  @ApiProperty({ description: 'Slots closed to new bookings' }) closedSlots: number;
  @ApiProperty({ description: 'Slots cancelled (with cancelBookings)' }) cancelledSlots: number;
  @ApiProperty({ description: 'Bookings cancelled, each patient emailed' }) cancelledBookings: number;
}
