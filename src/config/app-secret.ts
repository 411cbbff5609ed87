import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from './config';

/** Injection token of the app's secret: signs staff tokens, and keys derived from it encrypt. */
export const APP_SECRET = Symbol('APP_SECRET');

/**
 * JWT_SECRET when set; otherwise (never in production, config refuses that) a secret generated
 * once and kept in DATA_DIR, so staff tokens survive a restart. Instances starting together
 * race on an exclusive create and all end up with the file's content.
 */
export async function resolveAppSecret(config: AppConfig): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  const file = join(config.dataDir, 'jwt-secret');
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < 32)
    throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`);
  return secret;
}
