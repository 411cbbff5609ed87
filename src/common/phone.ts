import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The last number parsed: a booking's is parsed by its validator, then again by the service. */
let lastPhone: { value: string; normalised: string | undefined } | undefined;

/** A phone number that parses, in any common notation; NL is assumed without a country code. */
export function normalisePhone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  if (lastPhone?.value === value) return lastPhone.normalised;
  const parsed = parsePhoneNumberFromString(value, 'NL');
  const normalised = parsed?.isValid() ? parsed.number : undefined;
  lastPhone = { value, normalised };
  return normalised;
}
