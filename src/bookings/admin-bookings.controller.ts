import { Body, Controller, Get, HttpCode, Patch, Post, Query, Req, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import accepts from 'accepts';
import type { FastifyRequest } from 'fastify';
import { type Actor, CurrentActor } from '../audit/actor';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { StaffSlotDto } from '../slots/dto/slot.dto';
import { SlotsService } from '../slots/slots.service';
import { BookingLifecycle } from './booking-lifecycle';
import { BookingListingQueries } from './booking-listing.queries';
import {
  AdminBookingDto,
  AdminBookingPageDto,
  AdminBookingQueryDto,
  CancelSlotDto,
  StaffBookingDto,
  StaffRescheduleDto,
  UpdateBookingStatusDto,
} from './dto/admin-booking.dto';
import { BookingsService } from './bookings.service';

@ApiTags('admin: bookings')
@Controller('admin/bookings')
@StaffOnly('admin', 'receptionist')
export class AdminBookingsController {
  constructor(
    private readonly listing: BookingListingQueries,
    private readonly lifecycle: BookingLifecycle,
    private readonly bookings: BookingsService,
  ) {}

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
    if (!csv) return this.listing.list(query);
    return new StreamableFile(await this.listing.csv(query), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="bookings.csv"',
    });
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Book for a patient on the phone (new or known), any slot that has not started',
    description:
      'No minimum notice, no booking horizon and no booking limit; capacity still holds. ' +
      'The booking’s source is staff. With notify (default true) the patient gets the confirmation with its manage link.',
  })
  @ApiCreatedResponse({ type: AdminBookingDto })
  @ApiProblems(400, 404, 409)
  async create(@Body() dto: StaffBookingDto, @CurrentActor() actor: Actor): Promise<AdminBookingDto> {
    return this.listing.get(await this.bookings.bookByStaff(dto, actor));
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Move a booking to another slot (no deadline for staff); nothing changes if the new place cannot be had',
    description:
      'The patient is emailed the new time with an updated calendar invite and a new manage link ' +
      '(the old link stops working), unless notify is false.',
  })
  @ApiOkResponse({ type: AdminBookingDto })
  @ApiProblems(400, 404, 409)
  async reschedule(
    @UuidParam() id: string,
    @Body() dto: StaffRescheduleDto,
    @CurrentActor() actor: Actor,
  ): Promise<AdminBookingDto> {
    await this.lifecycle.reschedule({ id }, dto.slotId, actor, { notify: dto.notify });
    return this.listing.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Mark attended or no-show (once started), correct such a mark (with a reason), or cancel for the patient (frees the place, emails them)',
  })
  @ApiOkResponse({ type: AdminBookingDto })
  @ApiProblems(400, 404, 409)
  async update(
    @UuidParam() id: string,
    @Body() dto: UpdateBookingStatusDto,
    @CurrentActor() actor: Actor,
  ): Promise<AdminBookingDto> {
    if (dto.status === 'cancelled') await this.lifecycle.cancel({ id }, actor, dto.reason);
    else await this.lifecycle.setAttendance(id, dto.status, actor, dto.reason);
    return this.listing.get(id);
  }

  @Post(':id/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send the confirmation again, with a new manage link (the old one stops working)',
    description: 'To the patient’s current email; its reminder is written anew with the new link too.',
  })
  @ApiAcceptedResponse({ description: 'The confirmation is on its way' })
  @ApiProblems(400, 404, 409)
  async resend(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.lifecycle.resend(id, actor);
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
  constructor(
    private readonly lifecycle: BookingLifecycle,
    private readonly slots: SlotsService,
  ) {}

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a slot and all its bookings; each patient gets an email to rebook' })
  @ApiOkResponse({ type: CancelledSlotDto })
  @ApiProblems(400, 404, 409)
  async cancel(
    @UuidParam() id: string,
    @Body() dto: CancelSlotDto,
    @CurrentActor() actor: Actor,
  ): Promise<CancelledSlotDto> {
    const { slot, cancelledBookings } = await this.lifecycle.cancelSlot(id, actor, dto.reason);
    return { ...this.slots.staffView(slot), cancelledBookings };
  }
}
