import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { StaffOnly } from '../common/access';
import { ApiProblems } from '../common/problem.dto';
import { UuidParam } from '../common/uuid.pipe';
import { NotificationDto, NotificationPageDto, NotificationQueryDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('admin: notifications')
@Controller('admin/notifications')
@StaffOnly('admin', 'receptionist')
export class AdminNotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'The email outbox, newest first; filter by status and kind' })
  @ApiOkResponse({ type: NotificationPageDto })
  @ApiProblems(400)
  list(@Query() query: NotificationQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a failed or dead email again' })
  @ApiOkResponse({ type: NotificationDto })
  @ApiProblems(400, 404, 409)
  @Audited('notification.retry', 'notification')
  retry(@UuidParam() id: string): Promise<NotificationDto> {
    return this.notifications.retry(id);
  }
}
