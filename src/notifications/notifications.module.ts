import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminNotificationsController } from './admin-notifications.controller';
import { Dispatcher } from './dispatcher';
import { DispatcherSignal } from './dispatcher-signal';
import { Mailer } from './mailer';
import { Notification } from './notification.entity';
import { NotificationsService } from './notifications.service';
import { OutboxMonitor } from './outbox-monitor';
import { OutboxAlert } from './outbox-alert.entity';
import { OutboxService } from './outbox.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, OutboxAlert])],
  controllers: [AdminNotificationsController],
  providers: [OutboxService, DispatcherSignal, Mailer, Dispatcher, NotificationsService, OutboxMonitor],
  exports: [OutboxService, OutboxMonitor],
})
export class NotificationsModule {}
