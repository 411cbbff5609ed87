import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Optional, ToInt } from './validators';

export const MAX_PAGE_SIZE = 500;

/** `limit` and `offset` of the staff lists, answered as `{ data, total, limit, offset }`. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @Optional()
  @ToInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @IsInt({ message: 'must be a whole number' })
  limit: number = 50;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @Optional()
  @ToInt()
  @Min(0)
  @Max(1_000_000)
  @IsInt({ message: 'must be a whole number' })
  offset: number = 0;
}

export interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}
