import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/problem.dto';
import { RateLimited } from '../common/throttling';
import { AvailableDaysQueryDto, PublicSlotQueryDto } from './dto/slot-input.dto';
import { AvailableDaysDto, PublicSlotPageDto } from './dto/slot.dto';
import { SlotsService } from './slots.service';

@ApiTags('slots')
@Controller('slots')
@RateLimited()
export class SlotsController {
  constructor(private readonly slots: SlotsService) {}

  @Get('days')
  @ApiOperation({
    summary: 'The days with a free place, for a calendar',
    description:
      'Each local date (clinic time zone) with at least one bookable place, by the rules of GET /slots.',
  })
  @ApiOkResponse({ type: AvailableDaysDto })
  @ApiProblems(400, 429)
  days(@Query() query: AvailableDaysQueryDto): Promise<AvailableDaysDto> {
    return this.slots.availableDays(query);
  }

  @Get()
  @ApiOperation({
    summary: 'Bookable assessment slots',
    description: 'Open, not full, and starting later than the minimum notice; ordered by start.',
  })
  @ApiOkResponse({ type: PublicSlotPageDto })
  @ApiProblems(400, 429)
  available(@Query() query: PublicSlotQueryDto): Promise<PublicSlotPageDto> {
    return this.slots.available(query);
  }
}
