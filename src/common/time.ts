import { DateTime } from 'luxon';
/**
 * `2027-03-22T09:00:00Z`, `2027-03-22T10:00+01:00`: an instant, its offset explicit (RFC 3339,
 * seconds optional, up to six fraction digits of which milliseconds are kept).
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^\d{2}:\d{2}$/;

/** The UTC instant of a date and time, or undefined when the date or time does not exist. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0) {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0 to 99 as they are.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) return undefined; // 2027-02-30 rolled over into March
  date.setUTCHours(hour, minute, second, ms);
  return date;
}

/** A real instant (not 2027-02-30T…), given with its offset, or undefined. */
export function parseInstant(value: unknown): Date | undefined {
  const match = typeof value === 'string' ? INSTANT.exec(value) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const ms = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const local = utc(year, month, day, hour, minute, second, ms);
  if (!local) return undefined;
  if (!match[8]) return local;
  const [offsetHours, offsetMinutes] = [Number(match[9]), Number(match[10])];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const sign = match[8] === '-' ? -1 : 1;
  return new Date(local.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

/** A real calendar date `YYYY-MM-DD` (years 1900-2999), or undefined. */
export function parseLocalDate(value: unknown): { year: number; month: number; day: number } | undefined {
  const match = typeof value === 'string' ? LOCAL_DATE.exec(value) : null;
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number);
  if (year < 1900 || year > 2999 || !utc(year, month, day)) return undefined;
  return { year, month, day };
}

/** Minutes after midnight of a wall-clock time `HH:mm` (00:00 to 23:59; 24:00 when allowed). */
export function parseLocalTime(value: unknown, { allowEndOfDay = false } = {}): number | undefined {
  if (typeof value !== 'string' || !LOCAL_TIME.test(value)) return undefined;
  const [hours, minutes] = value.split(':').map(Number);
  if (allowEndOfDay && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

/**
 * A bound of a time window, given as an instant or as a plain local date in `zone`: a date
 * `from` is the start of that day there, a date `to` the start of the next (the day is
 * included, as in a rota). Undefined when it is neither.
 */
export function parseBound(value: unknown, zone: string, side: 'from' | 'to'): Date | undefined {
  const date = parseLocalDate(value);
  if (!date) return parseInstant(value);
  const start = DateTime.fromObject(date, { zone }).startOf('day');
  return (side === 'to' ? start.plus({ days: 1 }) : start).toJSDate();
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as the clinic's wall clock shows it, `2027-03-22T09:00:00` (no offset: it goes
 * with the zone's name), for people and pages that think in local time.
 */
export function wallClock(instant: Date | string, zone: string): string {
  let format = wallClocks.get(zone);
  if (!format) {
    // sv-SE writes dates as YYYY-MM-DD and times as HH:mm:ss.
    format = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(zone, format);
  }
  return format.format(typeof instant === 'string' ? new Date(instant) : instant).replace(' ', 'T');
}
