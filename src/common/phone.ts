// The full metadata: the minimal one cannot tell a mobile or fixed line from a short or premium number.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The last number parsed: a booking's is parsed by its validator, then again by the service. */
let lastPhone: { value: string; normalised: string | undefined } | undefined;

/** The kinds of number a patient can be called back on. */
const REACHABLE = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

/**
 * A phone number that parses, in any common notation (NL is assumed without a country code), and
 * is a mobile or fixed line: not a short service, premium-rate or shared-cost number. As E.164.
 */
export function normalisePhone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  if (lastPhone?.value === value) return lastPhone.normalised;
  const parsed = parsePhoneNumberFromString(value, 'NL');
  const normalised = parsed?.isValid() && REACHABLE.has(parsed.getType() ?? '') ? parsed.number : undefined;
  lastPhone = { value, normalised };
  return normalised;
}
