import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { invalidField } from '../common/domain-error';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { AdminSlotQueryDto, CreateSlotDto, RotaDto, UpdateSlotDto } from './dto/slot-input.dto';
import { RotaResultDto, StaffSlotDto, StaffSlotPageDto } from './dto/slot.dto';
import { SlotsService } from './slots.service';

@ApiTags('admin: slots')
@Controller('admin/slots')
@StaffOnly('admin', 'receptionist')
export class AdminSlotsController {
  constructor(private readonly slots: SlotsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Open one slot' })
  @ApiCreatedResponse({ type: StaffSlotDto })
  @ApiProblems(400, 409)
  @Audited('slot.create', 'slot')
  async create(@Body() dto: CreateSlotDto): Promise<StaffSlotDto> {
    return this.slots.staffView(await this.slots.create(dto));
  }

  @Post('bulk')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Open a whole rota in the clinic’s wall-clock time',
    description:
      'Slots that would start in the past or overlap an existing one are skipped and counted apart; ' +
      'the same rota twice creates nothing the second time. At most a year and 10,000 slots. ' +
      'With ?dryRun=true nothing is created and the answer lists every slot that would be.',
  })
  @ApiCreatedResponse({ type: RotaResultDto })
  @ApiProblems(400)
  @Audited('slot.bulk_create', 'slot', 'none')
  createRota(@Body() dto: RotaDto, @Query('dryRun') dryRun?: string): Promise<RotaResultDto> {
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false')
      throw invalidField('dryRun', 'must be true or false');
    return this.slots.createRota(dto, new Date(), dryRun === 'true');
  }

  @Get()
  @ApiOperation({ summary: 'All slots by start time, with capacity, bookings and status' })
  @ApiOkResponse({ type: StaffSlotPageDto })
  @ApiProblems(400)
  async list(@Query() query: AdminSlotQueryDto): Promise<StaffSlotPageDto> {
    const page = await this.slots.list(query);
    return {
      ...page,
      data: page.data.map((slot) => this.slots.staffView(slot)),
      timeZone: this.slots.timeZone,
    };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change capacity (never below the bookings), open or close, or notes' })
  @ApiOkResponse({ type: StaffSlotDto })
  @ApiProblems(400, 404, 409)
  @Audited('slot.update', 'slot')
  async update(@UuidParam() id: string, @Body() dto: UpdateSlotDto): Promise<StaffSlotDto> {
    return this.slots.staffView(await this.slots.update(id, dto));
  }
}
