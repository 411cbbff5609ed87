import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { wallClock } from '../../common/time';
import { SLOT_STATUSES, type SlotStatus } from '../slot.entity';

export interface SlotRow {
  id: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  bookedCount: number;
  status: SlotStatus;
  notes: string | null;
}

/** A time on the clinic's wall clock, beside the instant `of` (the page says the zone). */
export const ApiLocalTime = (of: 'startsAt' | 'endsAt') =>
  ApiProperty({
    example: of === 'startsAt' ? '2027-03-22T09:00:00' : '2027-03-22T09:30:00',
    description: `${of} on the clinic’s wall clock (see timeZone)`,
  });

/** A slot as staff see it. */
export class StaffSlotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:00:00.000Z' }) startsAt: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:30:00.000Z' }) endsAt: string;
  @ApiLocalTime('startsAt') startsAtLocal: string;
  @ApiLocalTime('endsAt') endsAtLocal: string;
  @ApiProperty({ minimum: 1, example: 2 }) capacity: number;
  @ApiProperty({ minimum: 0, example: 1 }) bookedCount: number;
  @ApiProperty({ enum: SLOT_STATUSES }) status: SlotStatus;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;

  /** `zone`: the clinic's time zone, for the wall-clock times. */
  static from(slot: SlotRow, zone: string): StaffSlotDto {
    return {
      id: slot.id,
      startsAt: slot.startsAt.toISOString(),
      endsAt: slot.endsAt.toISOString(),
      startsAtLocal: wallClock(slot.startsAt, zone),
      endsAtLocal: wallClock(slot.endsAt, zone),
      capacity: slot.capacity,
      bookedCount: slot.bookedCount,
      status: slot.status,
      notes: slot.notes,
    };
  }
}

export class StaffSlotPageDto {
  @ApiProperty({ type: [StaffSlotDto] }) data: StaffSlotDto[];
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'The time zone of the local times' })
  timeZone: string;
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

/** A slot as patients see it: when, and how many places are left. Nothing else. */
export class PublicSlotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiLocalTime('startsAt') startsAtLocal: string;
  @ApiLocalTime('endsAt') endsAtLocal: string;
  @ApiProperty({ minimum: 1 }) remaining: number;
}

export class PublicSlotPageDto {
  @ApiProperty({ type: [PublicSlotDto] }) data: PublicSlotDto[];
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'The time zone of the local times' })
  timeZone: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  nextCursor: string | null;
}

export class RotaResultDto {
  @ApiProperty({ description: 'Slots created' }) created: number;
  @ApiProperty({ description: 'Slots left out: skippedPast + skippedOverlapping + skippedClosed' })
  skipped: number;
  @ApiProperty({ description: 'Left out because they would start in the past' }) skippedPast: number;
  @ApiProperty({ description: 'Left out because they would overlap a slot that is not cancelled' })
  skippedOverlapping: number;
  @ApiProperty({ description: 'Left out because the clinic is closed that day (a closure)' })
  skippedClosed: number;
  @ApiPropertyOptional({
    type: () => [StaffSlotDto],
    description: 'With dryRun=true only: every slot it would create (none was)',
  })
  slots?: StaffSlotDto[];
}

export class AvailableDayDto {
  @ApiProperty({ format: 'date', example: '2027-03-22', description: 'A local date of the clinic' })
  date: string;
  @ApiProperty({ minimum: 1, example: 7, description: 'Free places that day in bookable slots' })
  available: number;
}

export class AvailableDaysDto {
  @ApiProperty({ type: [AvailableDayDto], description: 'Only the days with a free place, in order' })
  data: AvailableDayDto[];
  @ApiProperty({ example: 'Europe/Amsterdam' }) timeZone: string;
}
