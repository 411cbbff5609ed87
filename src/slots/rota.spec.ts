import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { daysInRange, generateRota, Rota } from './rota';

const AMS = 'Europe/Amsterdam';
const hm = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));
const date = (text: string) => {
  const [year, month, day] = text.split('-').map(Number);
  return { year, month, day };
};
const rota = (overrides: Partial<Rota> & { from: Rota['from']; to: Rota['to'] }): Rota => ({
  weekdays: [1, 2, 3, 4, 5, 6, 7],
  dayStart: hm('09:00'),
  dayEnd: hm('17:00'),
  slotMinutes: 30,
  breaks: [],
  excludeDates: [],
  ...overrides,
});
const iso = (d: Date) => d.toISOString().replace('.000', '');
const local = (d: Date, zone = AMS) => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm');

describe('generateRota', () => {
  it('makes the design example: weekdays 09:00-17:00, 30 minutes, lunch 12-13, one date excluded', () => {
    const slots = generateRota(
      rota({
        from: date('2027-03-22'),
        to: date('2027-04-02'),
        weekdays: [1, 2, 3, 4, 5],
        breaks: [{ start: hm('12:00'), end: hm('13:00') }],
        excludeDates: ['2027-03-26'],
      }),
      AMS,
    );
    // 9 weekdays (10 minus the excluded Friday), 14 slots each (16 minus lunch).
    expect(slots).toHaveLength(9 * 14);
    expect(slots.some((s) => local(s.startsAt).startsWith('2027-03-26'))).toBe(false);
    expect(slots.some((s) => local(s.startsAt).startsWith('2027-03-27'))).toBe(false); // Saturday
    const monday = slots
      .filter((s) => local(s.startsAt).startsWith('2027-03-22'))
      .map((s) => local(s.startsAt).slice(11));
    expect(monday).toEqual([
      '09:00',
      '09:30',
      '10:00',
      '10:30',
      '11:00',
      '11:30',
      '13:00',
      '13:30',
      '14:00',
      '14:30',
      '15:00',
      '15:30',
      '16:00',
      '16:30',
    ]);
  });

  it('keeps 09:00 local on both sides of the March change (08:00Z in winter, 07:00Z in summer)', () => {
    const slots = generateRota(
      rota({ from: date('2027-03-26'), to: date('2027-03-29'), dayEnd: hm('09:30') }),
      AMS,
    );
    expect(slots.map((s) => iso(s.startsAt))).toEqual([
      '2027-03-26T08:00:00Z',
      '2027-03-27T08:00:00Z',
      '2027-03-28T07:00:00Z', // the change day itself: already summer time at 09:00
      '2027-03-29T07:00:00Z',
    ]);
  });

  it('keeps 09:00 local on both sides of the October change (07:00Z in summer, 08:00Z in winter)', () => {
    const slots = generateRota(
      rota({ from: date('2027-10-30'), to: date('2027-11-01'), dayEnd: hm('09:30') }),
      AMS,
    );
    expect(slots.map((s) => iso(s.startsAt))).toEqual([
      '2027-10-30T07:00:00Z',
      '2027-10-31T08:00:00Z',
      '2027-11-01T08:00:00Z',
    ]);
  });

  it('creates no slot inside the skipped hour of 28 March 2027', () => {
    const slots = generateRota(
      rota({ from: date('2027-03-28'), to: date('2027-03-28'), dayStart: hm('01:00'), dayEnd: hm('04:00') }),
      AMS,
    );
    // 01:30-02:00 ends at a time that does not exist (02:00 is 03:00 that night); 02:00 and
    // 02:30 do not exist at all.
    expect(slots.map((s) => `${local(s.startsAt)}-${local(s.endsAt).slice(11)}`)).toEqual([
      '2027-03-28 01:00-01:30',
      '2027-03-28 03:00-03:30',
      '2027-03-28 03:30-04:00',
    ]);
    for (const slot of slots) {
      expect(slot.endsAt.getTime() - slot.startsAt.getTime()).toBe(30 * 60_000);
      expect(local(slot.startsAt).slice(11, 13)).not.toBe('02');
    }
  });

  it('creates no duplicate and no overlap in the repeated hour of 31 October 2027', () => {
    const slots = generateRota(
      rota({ from: date('2027-10-31'), to: date('2027-10-31'), dayStart: hm('01:00'), dayEnd: hm('04:00') }),
      AMS,
    );
    const starts = slots.map((s) => s.startsAt.getTime());
    expect(new Set(starts).size).toBe(starts.length);
    for (let i = 1; i < slots.length; i++)
      expect(slots[i].startsAt.getTime()).toBeGreaterThanOrEqual(slots[i - 1].endsAt.getTime());
    for (const slot of slots) expect(slot.endsAt.getTime() - slot.startsAt.getTime()).toBe(30 * 60_000);
    expect(slots.map((s) => local(s.startsAt).slice(11))).toEqual([
      '01:00',
      '02:00',
      '02:30',
      '03:00',
      '03:30',
    ]);
  });

  it('restarts the grid after a break and drops a slot that would run into one', () => {
    const slots = generateRota(
      rota({
        from: date('2027-05-03'),
        to: date('2027-05-03'),
        dayStart: hm('09:00'),
        dayEnd: hm('12:00'),
        slotMinutes: 45,
        breaks: [{ start: hm('10:00'), end: hm('10:15') }],
      }),
      AMS,
    );
    expect(slots.map((s) => local(s.startsAt).slice(11))).toEqual(['09:00', '10:15', '11:00']);
  });

  it('allows a day to run until 24:00', () => {
    const slots = generateRota(
      rota({ from: date('2027-05-03'), to: date('2027-05-03'), dayStart: hm('23:00'), dayEnd: 24 * 60 }),
      AMS,
    );
    expect(slots.map((s) => `${local(s.startsAt)}-${local(s.endsAt)}`)).toEqual([
      '2027-05-03 23:00-2027-05-03 23:30',
      '2027-05-03 23:30-2027-05-04 00:00',
    ]);
  });

  it('counts the days of a range, both ends included', () => {
    expect(daysInRange({ from: date('2027-03-22'), to: date('2027-04-02') })).toBe(12);
    expect(daysInRange({ from: date('2027-01-01'), to: date('2027-12-31') })).toBe(365);
  });

  describe('properties over random rotas and zones', () => {
    const zones = [
      'Europe/Amsterdam',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'America/Santiago',
      'UTC',
    ];
    const arbitraryRota = fc
      .record({
        zone: fc.constantFrom(...zones),
        start: fc.date({
          min: new Date('2026-01-01T00:00:00Z'),
          max: new Date('2029-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        days: fc.integer({ min: 1, max: 20 }),
        weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        dayStart: fc.integer({ min: 0, max: 23 * 60 }),
        length: fc.integer({ min: 15, max: 24 * 60 }),
        slotMinutes: fc.constantFrom(10, 15, 20, 30, 45, 60, 90),
        breakAt: fc.option(fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 5, max: 120 }))),
        excludeEvery: fc.integer({ min: 2, max: 5 }),
      })
      .map((r) => {
        const from = DateTime.fromJSDate(r.start, { zone: 'UTC' });
        const to = from.plus({ days: r.days - 1 });
        const dayEnd = Math.min(24 * 60, r.dayStart + r.length);
        const excludeDates = Array.from({ length: r.days }, (_, i) => from.plus({ days: i }))
          .filter((_, i) => i % r.excludeEvery === 0)
          .map((d) => d.toISODate()!);
        const input: Rota = {
          from: { year: from.year, month: from.month, day: from.day },
          to: { year: to.year, month: to.month, day: to.day },
          weekdays: r.weekdays,
          dayStart: r.dayStart,
          dayEnd,
          slotMinutes: r.slotMinutes,
          breaks: r.breakAt
            ? [{ start: r.breakAt[0], end: Math.min(24 * 60, r.breakAt[0] + r.breakAt[1]) }]
            : [],
          excludeDates,
        };
        return { zone: r.zone, input };
      });

    it('never overlaps, keeps every slot inside its day window and off breaks, excluded dates and other weekdays', () => {
      fc.assert(
        fc.property(arbitraryRota, ({ zone, input }) => {
          expect(IANAZone.isValidZone(zone)).toBe(true);
          const slots = generateRota(input, zone);
          for (let i = 0; i < slots.length; i++) {
            const { startsAt, endsAt } = slots[i];
            expect(endsAt.getTime() - startsAt.getTime()).toBe(input.slotMinutes * 60_000);
            if (i > 0) expect(startsAt.getTime()).toBeGreaterThanOrEqual(slots[i - 1].endsAt.getTime());
            const start = DateTime.fromJSDate(startsAt, { zone });
            const minute = start.hour * 60 + start.minute;
            expect(minute).toBeGreaterThanOrEqual(input.dayStart);
            expect(minute + input.slotMinutes).toBeLessThanOrEqual(input.dayEnd);
            for (const pause of input.breaks) {
              expect(minute + input.slotMinutes <= pause.start || minute >= pause.end).toBe(true);
            }
            expect(input.excludeDates).not.toContain(start.toISODate());
            expect(input.weekdays).toContain(start.weekday);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
