import { dictionary } from '@zxcvbn-ts/language-common';

/** The passwords attackers try first: zxcvbn-ts's list of about 49,000 common passwords. */
const COMMON = new Set(dictionary['passwords-common']);

/** Why a new password is refused, or undefined when it is acceptable (its length is checked apart). */
export function passwordProblem(password: string): string | undefined {
  if (/^(.)\1*$/su.test(password)) return 'must not be one character repeated';
  if (COMMON.has(password.toLowerCase())) return 'is one of the most common passwords; choose another';
  return undefined;
}
