import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalisePhone } from '../../common/phone';

const direct = (value: string) => {
  const parsed = parsePhoneNumberFromString(value, 'NL');
  const type = parsed?.getType();
  return parsed?.isValid() && (type === 'MOBILE' || type === 'FIXED_LINE' || type === 'FIXED_LINE_OR_MOBILE')
    ? parsed.number
    : undefined;
};

describe('normalisePhone', () => {
  it('gives E.164 for any common notation, NL assumed, and nothing for what is not a number', () => {
    expect(normalisePhone('06 1234 5678')).toBe('+31612345678');
    expect(normalisePhone('06 1234 5678')).toBe('+31612345678');
    expect(normalisePhone('+31 (0)20 123 4567')).toBe('+31201234567');
    expect(normalisePhone('not a phone')).toBeUndefined();
    expect(normalisePhone('not a phone')).toBeUndefined();
    expect(normalisePhone('06 1234 5678')).toBe('+31612345678');
    expect(normalisePhone(612345678)).toBeUndefined();
    expect(normalisePhone('0'.repeat(41))).toBeUndefined();
  });

  it('takes mobile and fixed lines only: not a short service, premium-rate or shared-cost number', () => {
    expect(normalisePhone('12345')).toBeUndefined();
    expect(normalisePhone('112')).toBeUndefined();
    expect(normalisePhone('0900 1234567')).toBeUndefined();
    expect(normalisePhone('0800 1234567')).toBeUndefined();
    expect(normalisePhone('+44 20 7946 0958')).toBe('+442079460958');
  });

  it('answers every sequence of numbers, repeated or not, as parsing each afresh would', () => {
    const numbers = [
      '06 1234 5678',
      '+31612345678',
      '020 123 4567',
      '+44 20 7946 0958',
      '12',
      'x',
      '12345',
      '0900 1234567',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...numbers), { maxLength: 30 }), (sequence) => {
        for (const value of sequence) expect(normalisePhone(value)).toBe(direct(value));
      }),
    );
  });
});
