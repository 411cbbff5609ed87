import { Injectable, Param, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ValidationFailedError } from './domain-error';

@Injectable()
class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}
  transform(value: string): string {
    if (!isUUID(value)) throw new ValidationFailedError([{ field: this.field, message: 'must be a UUID' }]);
    return value.toLowerCase();
  }
}

/** A route parameter that must be a UUID; anything else is a 400 naming it. */
export const UuidParam = (name = 'id') => Param(name, new UuidPipe(name));
