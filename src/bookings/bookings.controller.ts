import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Actor, CurrentActor } from '../audit/actor';
import { ValidationFailedError } from '../common/domain-error';
import { ApiProblems } from '../common/problem.dto';
import { RateLimited } from '../common/throttling';
import { BookingLifecycle } from './booking-lifecycle';
import { toBookingDto } from './booking.queries';
import { BookingsService } from './bookings.service';
import { CancelBookingDto, CreateBookingDto, LookupDto, RescheduleBookingDto } from './dto/booking-input.dto';
import { BookingCreatedDto, BookingDto } from './dto/booking.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const TOKEN_HEADER = {
  name: 'X-Booking-Token',
  required: true,
  description: 'The manageToken from booking (also in the confirmation email link)',
};

@ApiTags('bookings')
@Controller('bookings')
@RateLimited()
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly lifecycle: BookingLifecycle,
  ) {}

  @Post('lookup')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Lost your link? Emails a patient their upcoming bookings with fresh manage links',
    description:
      'Always 202, whether or not the email and date of birth belong to a patient. When they do, one email ' +
      'lists the upcoming bookings, each with a new link (the old links stop working); at most one such email ' +
      'per address per 10 minutes.',
  })
  @ApiAcceptedResponse({ description: 'If we know you, an email is on its way' })
  @ApiProblems(400, 429)
  async lookup(@Body() dto: LookupDto, @CurrentActor() actor: Actor): Promise<void> {
    await this.lifecycle.sendLinks(dto.email, dto.dateOfBirth, actor);
  }

  @Post()
  @ApiOperation({
    summary: 'Book a place in an assessment slot',
    description:
      'Retries are safe with an Idempotency-Key: the same key and body answer the first answer again.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'At most 255 visible ASCII characters',
  })
  @ApiCreatedResponse({ type: BookingCreatedDto })
  @ApiNotFoundResponse({ description: 'Unknown slot (problem+json)' })
  @ApiConflictResponse({
    description: 'Slot full, closed, cancelled, past or too soon; already booked; key in flight',
  })
  @ApiUnprocessableEntityResponse({ description: 'Idempotency-Key reused with another body' })
  @ApiProblems(400, 413, 415)
  async book(
    @Body() dto: CreateBookingDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BookingCreatedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedError([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const answer = await this.bookings.book(dto, { idempotencyKey, acceptLanguage });
    void reply.status(answer.statusCode);
    return answer.body;
  }

  @Get(':reference')
  @ApiOperation({ summary: 'The patient’s booking, by reference and manage token' })
  @ApiHeader(TOKEN_HEADER)
  @ApiOkResponse({ type: BookingDto })
  @ApiNotFoundResponse({ description: 'Unknown reference or wrong token (the same answer)' })
  view(
    @Param('reference') reference: string,
    @Headers('x-booking-token') token?: string,
  ): Promise<BookingDto> {
    return this.bookings.view(reference, token);
  }

  @Post(':reference/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel the booking (until CANCELLATION_DEADLINE_HOURS before it)' })
  @ApiHeader(TOKEN_HEADER)
  @ApiOkResponse({ type: BookingDto })
  @ApiNotFoundResponse({ description: 'Unknown reference or wrong token' })
  @ApiConflictResponse({ description: 'Already cancelled, or the deadline has passed' })
  @ApiProblems(400)
  async cancel(
    @Param('reference') reference: string,
    @Body() dto: CancelBookingDto,
    @CurrentActor() actor: Actor,
    @Headers('x-booking-token') token?: string,
  ): Promise<BookingDto> {
    return toBookingDto(await this.lifecycle.cancel({ reference, token }, actor, dto.reason));
  }

  @Post(':reference/reschedule')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move the booking to another slot; nothing changes if the new place cannot be had',
  })
  @ApiHeader(TOKEN_HEADER)
  @ApiOkResponse({ type: BookingDto })
  @ApiNotFoundResponse({ description: 'Unknown reference, wrong token, or unknown slot' })
  @ApiConflictResponse({ description: 'New slot not bookable; booking not active; deadline passed' })
  @ApiProblems(400)
  async reschedule(
    @Param('reference') reference: string,
    @Body() dto: RescheduleBookingDto,
    @CurrentActor() actor: Actor,
    @Headers('x-booking-token') token?: string,
  ): Promise<BookingDto> {
    return toBookingDto(await this.lifecycle.reschedule({ reference, token }, dto.slotId, actor));
  }
}
