import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto';
import { IsInstant, Optional } from '../../common/validators';
import { ACTOR_TYPES, type ActorType } from '../audit-event.entity';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date-time' }) @Optional() @IsInstant() from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @Optional() @IsInstant() to?: string;
  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID('all', { message: 'must be a UUID' })
  actorId?: string;
  @ApiPropertyOptional({ example: 'patient.erase' }) @Optional() @MaxLength(50) @IsString() action?: string;
  @ApiPropertyOptional({ example: 'patient' }) @Optional() @MaxLength(30) @IsString() recordType?: string;
  @ApiPropertyOptional() @Optional() @MaxLength(64) @IsString() recordId?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ACTOR_TYPES }) actorType: ActorType;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId: string | null;
  @ApiProperty({ example: 'booking.update' }) action: string;
  @ApiProperty({ type: String, nullable: true }) recordType: string | null;
  @ApiProperty({ type: String, nullable: true }) recordId: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why, for a correction' }) reason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) data: AuditEventDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
