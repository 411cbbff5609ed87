import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/problem.dto';
import { RateLimited } from '../common/throttling';
import { PublicSlotQueryDto } from './dto/slot-input.dto';
import { PublicSlotPageDto } from './dto/slot.dto';
import { SlotsService } from './slots.service';

@ApiTags('slots')
@Controller('slots')
@RateLimited()
export class SlotsController {
  constructor(private readonly slots: SlotsService) {}

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
