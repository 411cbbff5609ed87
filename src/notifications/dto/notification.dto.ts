import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto';
import { Optional, ToList } from '../../common/validators';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationKind,
  type NotificationStatus,
} from '../notification.entity';

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: NOTIFICATION_STATUSES,
    isArray: true,
    description: 'One or several, comma-separated',
  })
  @Optional()
  @ToList()
  @IsIn(NOTIFICATION_STATUSES, { each: true, message: `must be among ${NOTIFICATION_STATUSES.join(', ')}` })
  status?: NotificationStatus[];

  @ApiPropertyOptional({
    enum: NOTIFICATION_KINDS,
    isArray: true,
    description: 'One or several, comma-separated',
  })
  @Optional()
  @ToList()
  @IsIn(NOTIFICATION_KINDS, { each: true, message: `must be among ${NOTIFICATION_KINDS.join(', ')}` })
  kind?: NotificationKind[];
}

/** An outbox row as staff see it (never its payload or sealed token). */
export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) bookingId: string | null;
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind: NotificationKind;
  @ApiProperty() recipient: string;
  @ApiProperty({ enum: ['en', 'nl'] }) locale: string;
  @ApiProperty({ enum: NOTIFICATION_STATUSES }) status: NotificationStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time' }) notBefore: string;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true }) messageId: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) data: NotificationDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
