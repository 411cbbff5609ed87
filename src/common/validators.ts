import { Transform } from 'class-transformer';
import { IANAZone } from 'luxon';
import { IsString, MinLength, ValidateIf, ValidationOptions, registerDecorator } from 'class-validator';
import { normalisePhone } from './phone';
import { parseInstant, parseLocalDate, parseLocalTime } from './time';

function check(
  name: string,
  message: string,
  test: (value: unknown) => boolean,
  options?: ValidationOptions,
) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options: { message, ...options },
      validator: { validate: test },
    });
}

/** An instant in ISO 8601 with its offset, e.g. `2027-03-22T09:00:00Z`. */
export const IsInstant = (options?: ValidationOptions) =>
  check(
    'isInstant',
    'must be an ISO 8601 date-time with a time zone offset, e.g. 2027-03-22T09:00:00Z',
    (value) => parseInstant(value) !== undefined,
    options,
  );

/** An instant as IsInstant, or a plain local date `YYYY-MM-DD` (in the clinic's time zone). */
export const IsInstantOrLocalDate = (options?: ValidationOptions) =>
  check(
    'isInstantOrLocalDate',
    'must be a date as YYYY-MM-DD (the clinic’s day) or an ISO 8601 date-time with an offset, e.g. 2027-03-22T09:00:00Z',
    (value) => parseInstant(value) !== undefined || parseLocalDate(value) !== undefined,
    options,
  );

/** A real calendar date `YYYY-MM-DD`. */
export const IsLocalDate = (options?: ValidationOptions) =>
  check(
    'isLocalDate',
    'must be a real date as YYYY-MM-DD',
    (value) => parseLocalDate(value) !== undefined,
    options,
  );

/** A wall-clock time `HH:mm` (00:00-23:59, or 24:00 for the end of a day). */
export const IsLocalTime = ({ allowEndOfDay = false } = {}, options?: ValidationOptions) =>
  check(
    'isLocalTime',
    `must be a time as HH:mm from 00:00 to ${allowEndOfDay ? '24:00' : '23:59'}`,
    (value) => parseLocalTime(value, { allowEndOfDay }) !== undefined,
    options,
  );

export const IsTimeZone = (options?: ValidationOptions) =>
  check(
    'isTimeZone',
    'must be an IANA time zone such as Europe/Amsterdam',
    (value) => typeof value === 'string' && IANAZone.isValidZone(value),
    options,
  );

/**
 * Optional, but not null: `undefined` skips validation; `null` is validated (and so refused by
 * the property's type checks). `@IsOptional` would let `null` through to the database.
 */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);

/** May be absent or null (null clears the value); anything else is validated. */
export const NullableOptional = () => ValidateIf((_object, value) => value !== undefined && value !== null);

/** A query-string integer: only plain digits become numbers, so `1e3` or `12abc` fail `@IsInt`. */
export const ToInt = () =>
  Transform(({ value }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value));

/** `?status=open,closed` or `?status=open&status=closed` → `['open', 'closed']`. */
export const ToList = () =>
  Transform(({ value }) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))
      .map((item) => (typeof item === 'string' ? item.trim() : item))
      .filter((item) => item !== ''),
  );

/** Control characters, and the marks that reorder text for display (embeddings, overrides, isolates). */
const HIDDEN_OR_REORDERING = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const HIDDEN_OR_REORDERING_BUT_LINES = /[\p{Cc}\u202A-\u202E\u2066-\u2069](?<![\r\n])/u;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Text a person wrote for people to read (a name, a note): at most `max` characters as
 * PostgreSQL counts them (code points, so a stored value always fits its column), at least one
 * visible character, and no control characters or bidirectional overrides, which would break
 * lines in subjects and CSV or reorder what staff see. `multiline` lets line breaks through.
 */
export function IsPlainText(max: number, { multiline = false } = {}) {
  const forbidden = multiline ? HIDDEN_OR_REORDERING_BUT_LINES : HIDDEN_OR_REORDERING;
  return (target: object, propertyName: string) => {
    check('isPlainTextLength', `must be at most ${max} characters`, (value) =>
      typeof value !== 'string' ? true : [...value].length <= max,
    )(target, propertyName);
    check(
      'isPlainText',
      `must be plain text: visible characters, without control characters${multiline ? ' (line breaks are fine)' : ' or line breaks'} or direction overrides`,
      (value) => typeof value !== 'string' || (!forbidden.test(value) && VISIBLE.test(value)),
    )(target, propertyName);
  };
}

/** A phone number a patient can be called back on (normalisePhone), in any common notation. */
export const IsPhone = () =>
  check(
    'isPhone',
    'must be a valid phone number, e.g. 06 1234 5678 or +31 6 12345678',
    (value) => normalisePhone(value) !== undefined,
  );

/** A real date in the past, not before 1900. */
export const IsDateOfBirth = () =>
  check(
    'isDateOfBirth',
    'must be a real date as YYYY-MM-DD, after 1900 and in the past',
    // parseLocalDate holds the year to 1900..2999; YYYY-MM-DD strings order as their dates.
    (value) =>
      parseLocalDate(value) !== undefined && (value as string) < new Date().toISOString().slice(0, 10),
  );

/** Trims a string before it is validated. */
export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** A person's name as people write it: trimmed, then 1 to 100 characters of plain text. */
export function IsPersonName() {
  return (target: object, propertyName: string) => {
    // Applied as the decorators would be stacked: the string check first, trimming before all.
    IsString()(target, propertyName);
    IsPlainText(100)(target, propertyName);
    MinLength(1, { message: 'must not be empty' })(target, propertyName);
    Trim()(target, propertyName);
  };
}
