import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { normalisePhone } from '../../common/phone';

const direct = (value: string) => {
  const parsed = parsePhoneNumberFromString(value, 'NL');
  return parsed?.isValid() ? parsed.number : undefined;
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

  it('answers every sequence of numbers, repeated or not, as parsing each afresh would', () => {
    const numbers = ['06 1234 5678', '+31612345678', '020 123 4567', '+44 20 7946 0958', '12', 'x'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...numbers), { maxLength: 30 }), (sequence) => {
        for (const value of sequence) expect(normalisePhone(value)).toBe(direct(value));
      }),
    );
  });
});
