import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor } from '../audit/actor';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { PageQueryDto } from '../common/pagination.dto';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { ClosuresService } from '../slots/closures.service';
import { ClosureDto, ClosurePageDto, ClosureResultDto, CreateClosureDto } from '../slots/dto/closure.dto';
import { BookingLifecycle } from './booking-lifecycle';
import { DaySheetQueries } from './day-sheet.queries';
import { DaySheetDto, DaySheetQueryDto } from './dto/day-sheet.dto';

/** Lives with bookings: a closure may cancel bookings and tell each patient. */
@ApiTags('admin: closures')
@Controller('admin/closures')
@StaffOnly('admin', 'receptionist')
export class AdminClosuresController {
  constructor(
    private readonly lifecycle: BookingLifecycle,
    private readonly closures: ClosuresService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Close the clinic on local dates: its slots closed, or cancelled with their bookings',
    description:
      'In one transaction. With cancelBookings each patient is emailed (with the reason) to choose a new time. ' +
      'While the closure stands, no slot is created on its dates (rotas skip them).',
  })
  @ApiCreatedResponse({ type: ClosureResultDto })
  @ApiProblems(400, 409)
  create(@Body() dto: CreateClosureDto, @CurrentActor() actor: Actor): Promise<ClosureResultDto> {
    return this.lifecycle.close(dto, actor);
  }

  @Get()
  @ApiOperation({ summary: 'Closures that end today or later, by date' })
  @ApiOkResponse({ type: ClosurePageDto })
  @ApiProblems(400)
  list(@Query() query: PageQueryDto): Promise<ClosurePageDto> {
    return this.closures.list(query);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Remove a closure: slots may be made on its dates again (nothing is reopened by itself)',
  })
  @ApiOkResponse({ type: ClosureDto })
  @ApiProblems(400, 404)
  @Audited('closure.delete', 'closure', { param: 'id' })
  remove(@UuidParam() id: string): Promise<ClosureDto> {
    return this.closures.remove(id);
  }
}

@ApiTags('admin: bookings')
@Controller('admin/day')
@StaffOnly('admin', 'receptionist')
export class AdminDayController {
  constructor(private readonly sheet: DaySheetQueries) {}

  @Get()
  @ApiOperation({
    summary: 'The day sheet: a local date’s slots in order, each with its bookings and patients',
  })
  @ApiOkResponse({ type: DaySheetDto })
  @ApiProblems(400)
  @Audited('booking.day_sheet', 'booking', 'none')
  day(@Query() query: DaySheetQueryDto): Promise<DaySheetDto> {
    return this.sheet.day(query.date);
  }
}
