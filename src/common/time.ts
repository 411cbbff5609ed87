import { DateTime } from 'luxon';

/** `2027-03-22T09:00:00Z`, `2027-03-22T10:00+01:00`: an instant, its offset explicit. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_TIME = /^\d{2}:\d{2}$/;

/** A real instant (not 2027-02-30T…), given with its offset, or undefined. */
export function parseInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !INSTANT.test(value)) return undefined;
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/** A real calendar date `YYYY-MM-DD` (years 1900-2999), or undefined. */
export function parseLocalDate(value: unknown): { year: number; month: number; day: number } | undefined {
  if (typeof value !== 'string' || !LOCAL_DATE.test(value)) return undefined;
  const parsed = DateTime.fromISO(value, { zone: 'UTC' });
  if (!parsed.isValid || parsed.year < 1900 || parsed.year > 2999) return undefined;
  return { year: parsed.year, month: parsed.month, day: parsed.day };
}

/** Minutes after midnight of a wall-clock time `HH:mm` (00:00 to 23:59; 24:00 when allowed). */
export function parseLocalTime(value: unknown, { allowEndOfDay = false } = {}): number | undefined {
  if (typeof value !== 'string' || !LOCAL_TIME.test(value)) return undefined;
  const [hours, minutes] = value.split(':').map(Number);
  if (allowEndOfDay && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}
