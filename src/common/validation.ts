import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationFailedError } from './domain-error';

/** Flattens class-validator's tree into `[{ field: 'patient.email', message }]`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      // class-validator starts its messages with the property name; ours do not.
      message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * Text that is not well formed: a NUL character (PostgreSQL cannot store it) or an unpaired
 * UTF-16 surrogate (not text at all; validator's isEmail throws on it).
 */
function isMalformed(text: string): boolean {
  return text.includes('\u0000') || !(text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** How deeply a body may nest objects and arrays. */
export const MAX_NESTING = 32;

class TooDeep extends Error {}

/** The path of the first malformed string (or key) in a value; throws TooDeep past MAX_NESTING. */
function findMalformed(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isMalformed(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_NESTING) throw new TooDeep();
  for (const [key, item] of Object.entries(value)) {
    if (isMalformed(key)) return path || 'body';
    const found = findMalformed(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses malformed text anywhere in a body, query or path parameter, naming the field, and
 * bodies nested deeper than MAX_NESTING (before validation walks them).
 */
@Injectable()
export class WellFormedTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    let field: string | undefined;
    try {
      field = findMalformed(value, metadata.type === 'param' ? (metadata.data ?? 'path') : '');
    } catch (error) {
      if (!(error instanceof TooDeep)) throw error;
      throw new ValidationFailedError([
        {
          field: metadata.type,
          message: `must not nest objects or arrays more than ${MAX_NESTING} levels deep`,
        },
      ]);
    }
    if (field !== undefined) {
      throw new ValidationFailedError([
        {
          field: field || metadata.type,
          message: 'must be text without NUL characters or unpaired surrogates',
        },
      ]);
    }
    return value;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(fieldErrors(errors)),
  });
}
