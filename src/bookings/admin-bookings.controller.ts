import { Body, Controller, Get, HttpCode, Patch, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import accepts from 'accepts';
import type { FastifyRequest } from 'fastify';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { StaffSlotDto } from '../slots/dto/slot.dto';
import { AdminBookingsService } from './admin-bookings.service';
import {
  AdminBookingDto,
  AdminBookingPageDto,
  AdminBookingQueryDto,
  CancelSlotDto,
  UpdateBookingStatusDto,
} from './dto/admin-booking.dto';

@ApiTags('admin: bookings')
@Controller('admin/bookings')
@StaffOnly('admin', 'receptionist')
export class AdminBookingsController {
  constructor(private readonly bookings: AdminBookingsService) {}

  @Get()
  @ApiOperation({
    summary:
      'Every booking, filtered, searched, sorted and paginated; CSV with Accept: text/csv or format=csv',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: AdminBookingPageDto })
  @ApiProblems(400)
  @Audited('booking.list', 'booking', 'none')
  async list(
    @Query() query: AdminBookingQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<AdminBookingPageDto | StreamableFile> {
    const csv =
      query.format === 'csv' ||
      (query.format !== 'json' && accepts(request.raw).type(['application/json', 'text/csv']) === 'text/csv');
    if (!csv) return this.bookings.list(query);
    return new StreamableFile(await this.bookings.csv(query), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="bookings.csv"',
    });
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Mark attended or no-show (once started), or cancel for the patient (frees the place, emails them)',
  })
  @ApiOkResponse({ type: AdminBookingDto })
  @ApiProblems(400, 404, 409)
  @Audited('booking.update', 'booking')
  update(@UuidParam() id: string, @Body() dto: UpdateBookingStatusDto): Promise<AdminBookingDto> {
    return this.bookings.updateStatus(id, dto.status, dto.reason);
  }
}

class CancelledSlotDto extends StaffSlotDto {
  @ApiProperty({ description: 'How many bookings were cancelled with it' }) cancelledBookings: number;
}

/** Lives with bookings: cancelling a slot is cancelling its bookings and telling each patient. */
@ApiTags('admin: slots')
@Controller('admin/slots')
@StaffOnly('admin', 'receptionist')
export class AdminSlotCancellationController {
  constructor(private readonly bookings: AdminBookingsService) {}

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a slot and all its bookings; each patient gets an email to rebook' })
  @ApiOkResponse({ type: CancelledSlotDto })
  @ApiProblems(400, 404, 409)
  @Audited('slot.cancel', 'slot', { param: 'id' })
  async cancel(@UuidParam() id: string, @Body() dto: CancelSlotDto): Promise<CancelledSlotDto> {
    const { slot, cancelledBookings } = await this.bookings.cancelSlot(id, dto.reason);
    return { ...StaffSlotDto.from(slot), cancelledBookings };
  }
}
