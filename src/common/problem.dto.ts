import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class FieldErrorDto {
  @ApiProperty({ example: 'patient.email' }) field: string;
  @ApiProperty({ example: 'must be an email address' }) message: string;
}

/** RFC 9457 problem details, the body of every error answer (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'https://clinic-booking.dev/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'Invalid request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'The request has 1 invalid field: patient.email.' }) detail: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed or invalid input; `errors` names each field',
  401: 'No, invalid or expired credentials',
  403: 'The role is not allowed',
  404: 'Unknown record',
  409: 'State conflict',
  413: 'Body larger than 100 kB',
  415: 'Body is not JSON',
  422: 'Idempotency key reused with another body',
  429: 'Rate limited; see Retry-After',
  503: 'Database unreachable; see Retry-After',
};

/** Documents problem+json answers for the given status codes. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? STATUS_CODES[status],
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
