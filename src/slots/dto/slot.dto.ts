import { ApiProperty } from '@nestjs/swagger';
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

/** A slot as staff see it. */
export class StaffSlotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:00:00.000Z' }) startsAt: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-22T08:30:00.000Z' }) endsAt: string;
  @ApiProperty({ minimum: 1, example: 2 }) capacity: number;
  @ApiProperty({ minimum: 0, example: 1 }) bookedCount: number;
  @ApiProperty({ enum: SLOT_STATUSES }) status: SlotStatus;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;

  static from(slot: SlotRow): StaffSlotDto {
    return {
      id: slot.id,
      startsAt: slot.startsAt.toISOString(),
      endsAt: slot.endsAt.toISOString(),
      capacity: slot.capacity,
      bookedCount: slot.bookedCount,
      status: slot.status,
      notes: slot.notes,
    };
  }
}

export class StaffSlotPageDto {
  @ApiProperty({ type: [StaffSlotDto] }) data: StaffSlotDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

/** A slot as patients see it: when, and how many places are left. Nothing else. */
export class PublicSlotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ minimum: 1 }) remaining: number;
}

export class PublicSlotPageDto {
  @ApiProperty({ type: [PublicSlotDto] }) data: PublicSlotDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  nextCursor: string | null;
}

export class RotaResultDto {
  @ApiProperty({ description: 'Slots created' }) created: number;
  @ApiProperty({ description: 'Slots left out: they would overlap an existing slot, or start in the past' })
  skipped: number;
}
