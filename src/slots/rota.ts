import { DateTime } from 'luxon';

/** A rota in the clinic's wall-clock time: "weekdays 09:00-17:00 in 30 minutes, lunch 12-13". */
export interface Rota {
  /** First and last local date, both included. */
  from: { year: number; month: number; day: number };
  to: { year: number; month: number; day: number };
  /** ISO weekdays, Monday = 1 … Sunday = 7. */
  weekdays: number[];
  /** Minutes after local midnight. */
  dayStart: number;
  dayEnd: number;
  slotMinutes: number;
  breaks: { start: number; end: number }[];
  /** Local dates (`YYYY-MM-DD`) without slots. */
  excludeDates: string[];
}

export interface GeneratedSlot {
  startsAt: Date;
  endsAt: Date;
}

/** Local wall-clock minute `minutes` of `date` in `zone`, or undefined where it does not exist. */
function wallClock(date: DateTime, minutes: number, zone: string): DateTime | undefined {
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const base = hour === 24 ? date.plus({ days: 1 }) : date;
  const at = DateTime.fromObject(
    { year: base.year, month: base.month, day: base.day, hour: hour % 24, minute },
    { zone },
  );
  // In a spring-forward gap Luxon moves the time forward; such a time does not exist.
  return at.isValid && at.hour === hour % 24 && at.minute === minute ? at : undefined;
}

/** The parts of [dayStart, dayEnd) outside every break, in order. */
function workingSegments(rota: Rota): [number, number][] {
  let segments: [number, number][] = [[rota.dayStart, rota.dayEnd]];
  for (const pause of [...rota.breaks].sort((a, b) => a.start - b.start)) {
    segments = segments.flatMap(([start, end]): [number, number][] => {
      if (pause.end <= start || pause.start >= end) return [[start, end]];
      return [
        [start, Math.max(start, pause.start)],
        [Math.min(end, pause.end), end],
      ].filter(([s, e]) => e > s) as [number, number][];
    });
  }
  return segments;
}

/**
 * Every slot of a rota, converted from wall-clock time in `zone` to UTC, in order. Within each
 * working segment (the day minus its breaks) slots follow each other from the segment's start.
 * A slot whose start or end does not exist on the wall clock (the skipped hour of a
 * spring-forward day), or whose real length is not `slotMinutes` (one that spans the repeated
 * hour of a fall-back day), is left out: so no slot lies in the gap, and none overlaps another.
 */
export function generateRota(rota: Rota, zone: string): GeneratedSlot[] {
  const slots: GeneratedSlot[] = [];
  const excluded = new Set(rota.excludeDates);
  const weekdays = new Set(rota.weekdays);
  const segments = workingSegments(rota);
  const last = DateTime.fromObject(rota.to, { zone: 'UTC' });
  for (
    let date = DateTime.fromObject(rota.from, { zone: 'UTC' });
    date <= last;
    date = date.plus({ days: 1 })
  ) {
    if (!weekdays.has(date.weekday) || excluded.has(date.toISODate()!)) continue;
    for (const [segmentStart, segmentEnd] of segments) {
      for (let start = segmentStart; start + rota.slotMinutes <= segmentEnd; start += rota.slotMinutes) {
        const startsAt = wallClock(date, start, zone);
        const endsAt = wallClock(date, start + rota.slotMinutes, zone);
        if (!startsAt || !endsAt || endsAt.diff(startsAt, 'minutes').minutes !== rota.slotMinutes) continue;
        slots.push({ startsAt: startsAt.toJSDate(), endsAt: endsAt.toJSDate() });
      }
    }
  }
  return slots;
}

/** Number of local dates from `from` to `to`, both included. */
export function daysInRange(rota: Pick<Rota, 'from' | 'to'>): number {
  const from = DateTime.fromObject(rota.from, { zone: 'UTC' });
  const to = DateTime.fromObject(rota.to, { zone: 'UTC' });
  return Math.round(to.diff(from, 'days').days) + 1;
}
