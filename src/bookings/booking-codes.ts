import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Letters and digits that cannot be mistaken for each other (no I, L, O, U, 0, 1). */
export const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export const REFERENCE_PATTERN = /^B12-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{6}$/;

/** `B12-7KQ4M9`: 30^6 (about 729 million) possibilities; uniqueness is enforced by the database. */
export function newReference(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return `B12-${code}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** 32 random bytes for the patient (base64url); only the SHA-256 is stored. */
export function newManageToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}
