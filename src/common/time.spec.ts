import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parseBound, parseInstant, parseLocalDate, parseLocalTime, wallClock } from './time';

const digits = (length: number, max: number) =>
  fc.integer({ min: 0, max }).map((n) => String(n).padStart(length, '0'));

describe('parseInstant', () => {
  it.each([
    ['2027-03-22T09:00:00Z', '2027-03-22T09:00:00.000Z'],
    ['2027-03-22T10:00+01:00', '2027-03-22T09:00:00.000Z'],
    ['2027-03-22T01:30-05:30', '2027-03-22T07:00:00.000Z'],
    ['2027-03-22T09:00:00.1234Z', '2027-03-22T09:00:00.123Z'],
    ['2024-02-29T23:59:59.999999+00:00', '2024-02-29T23:59:59.999Z'],
    ['0050-02-28T10:00Z', '0050-02-28T10:00:00.000Z'],
    // In the zone's own time this is 02:30 on a spring-forward night; with its offset it is exact.
    ['2027-03-28T02:30+01:00', '2027-03-28T01:30:00.000Z'],
  ])('reads %s as %s', (value, iso) => {
    expect(parseInstant(value)?.toISOString()).toBe(iso);
  });

  it.each([
    '2027-03-22',
    '2027-03-22T09:00',
    '2027-03-22 09:00Z',
    '2027-02-29T09:00Z',
    '2027-04-31T09:00Z',
    '2027-13-01T09:00Z',
    '2027-00-10T09:00Z',
    '2027-03-00T09:00Z',
    '2027-03-22T24:00Z',
    '2027-03-22T23:60Z',
    '2027-03-22T23:59:60Z',
    '2027-03-22T09:00+24:00',
    '2027-03-22T09:00+01:60',
    '2027-03-22T09:00:00.1234567Z',
    '2027-03-22T09:00:00.Z',
    '2027-03-22T09:00+0100',
    ' 2027-03-22T09:00Z',
    '2027-03-22T09:00Z\n',
    '２０２７-03-22T09:00Z',
    '',
  ])('refuses %j', (value) => {
    expect(parseInstant(value)).toBeUndefined();
  });

  it.each([undefined, null, 1805709600000, new Date(), ['2027-03-22T09:00Z']])('refuses a %p', (value) => {
    expect(parseInstant(value)).toBeUndefined();
  });

  it('agrees with luxon on every well-formed string within RFC 3339 ranges', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: digits(4, 9999),
          month: digits(2, 14),
          day: digits(2, 32),
          hour: digits(2, 23),
          minute: digits(2, 59),
          second: fc.option(digits(2, 59)),
          fraction: fc.option(fc.stringMatching(/^\d{1,6}$/)),
          offset: fc.oneof(
            fc.constant('Z'),
            fc
              .tuple(fc.constantFrom('+', '-'), digits(2, 23), digits(2, 59))
              .map(([s, h, m]) => `${s}${h}:${m}`),
          ),
        }),
        (p) => {
          const time = `${p.hour}:${p.minute}${p.second === null ? '' : `:${p.second}${p.fraction === null ? '' : `.${p.fraction}`}`}`;
          const value = `${p.year}-${p.month}-${p.day}T${time}${p.offset}`;
          const oracle = DateTime.fromISO(value, { setZone: true });
          expect(parseInstant(value)?.getTime()).toBe(oracle.isValid ? oracle.toMillis() : undefined);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('parseLocalDate', () => {
  it.each([
    ['1980-05-17', { year: 1980, month: 5, day: 17 }],
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['1900-01-01', { year: 1900, month: 1, day: 1 }],
    ['2999-12-31', { year: 2999, month: 12, day: 31 }],
  ])('reads %s', (value, date) => {
    expect(parseLocalDate(value)).toEqual(date);
  });

  it.each([
    '2023-02-29',
    '1899-12-31',
    '3000-01-01',
    '2027-13-01',
    '2027-06-31',
    '2027-6-1',
    '17-05-1980',
    20270101,
  ])('refuses %p', (value) => {
    expect(parseLocalDate(value)).toBeUndefined();
  });

  it('agrees with luxon on every YYYY-MM-DD from 1900 to 2999', () => {
    fc.assert(
      fc.property(digits(4, 3100), digits(2, 13), digits(2, 32), (year, month, day) => {
        const value = `${year}-${month}-${day}`;
        const oracle = DateTime.fromISO(value, { zone: 'UTC' });
        const expected =
          oracle.isValid && oracle.year >= 1900 && oracle.year <= 2999
            ? { year: oracle.year, month: oracle.month, day: oracle.day }
            : undefined;
        expect(parseLocalDate(value)).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('parseLocalTime', () => {
  it.each([
    ['00:00', {}, 0],
    ['09:30', {}, 570],
    ['23:59', {}, 1439],
    ['24:00', { allowEndOfDay: true }, 1440],
  ])('reads %s', (value, options, minutes) => {
    expect(parseLocalTime(value, options)).toBe(minutes);
  });

  it.each(['24:00', '23:60', '9:30', '09:30:00', ''])('refuses %j', (value) => {
    expect(parseLocalTime(value)).toBeUndefined();
  });
});

describe('parseBound', () => {
  it('reads a plain date as the clinic’s day: from its start, to the start of the next (included)', () => {
    const zone = 'Europe/Amsterdam';
    expect(parseBound('2027-03-22', zone, 'from')).toEqual(new Date('2027-03-21T23:00:00Z'));
    expect(parseBound('2027-03-22', zone, 'to')).toEqual(new Date('2027-03-22T23:00:00Z'));
    // The day the clocks go forward has 23 hours.
    expect(parseBound('2027-03-28', zone, 'to')).toEqual(new Date('2027-03-28T22:00:00Z'));
    expect(parseBound('2027-03-22T09:00:00Z', zone, 'to')).toEqual(new Date('2027-03-22T09:00:00Z'));
    expect(parseBound('2027-02-30', zone, 'from')).toBeUndefined();
  });
});

describe('wallClock', () => {
  it('shows an instant as the wall clock in a zone, on both sides of a DST change', () => {
    expect(wallClock(new Date('2027-03-22T08:00:00Z'), 'Europe/Amsterdam')).toBe('2027-03-22T09:00:00');
    expect(wallClock('2027-07-06T08:00:00.000Z', 'Europe/Amsterdam')).toBe('2027-07-06T10:00:00');
    expect(wallClock('2027-10-31T00:30:00.000Z', 'Europe/Amsterdam')).toBe('2027-10-31T02:30:00');
    expect(wallClock('2027-10-31T01:30:00.000Z', 'Europe/Amsterdam')).toBe('2027-10-31T02:30:00');
  });
});
