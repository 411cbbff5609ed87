import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { createEmptyDatabase } from './support/database';
import { spawnApp, waitUntilReady } from './support/process';

const ADMIN = { email: 'first.admin@clinic.test', password: 'first admin password' };

describe('starting the service as a process', () => {
  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a whole number/],
    [
      { CLINIC_TIMEZONE: 'Mars/Olympus_Mons' },
      /^Invalid configuration: CLINIC_TIMEZONE must be an IANA time zone/,
    ],
    [{ DATABASE_URL: 'postgres//nohost' }, /^Invalid configuration: DATABASE_URL must be a URL/],
    [
      { BOOTSTRAP_ADMIN_EMAIL: 'a@clinic.test', BOOTSTRAP_ADMIN_PASSWORD: 'short' },
      /BOOTSTRAP_ADMIN_PASSWORD must be at least 12/,
    ],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }, /DATABASE_URL is required in production/],
  ])('stops with one line naming what is wrong in %j', async (env, expected) => {
    const app = spawnApp(env);
    expect(await app.exited).toBe(1);
    const lines = app.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it('with DATABASE_URL uses that server and never starts the embedded one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-ext-'));
    const port = await freePort();
    const app = spawnApp({
      DATABASE_URL: await createEmptyDatabase('external'),
      DATA_DIR: dataDir,
      PORT: String(port),
    });
    try {
      await waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`);
      expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
      expect(app.output()).not.toContain('embedded PostgreSQL');
    } finally {
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('without DATABASE_URL runs an embedded PostgreSQL in DATA_DIR, stops it on SIGTERM and keeps the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-embedded-'));
    const env = {
      DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'info',
    };
    try {
      let port = await freePort();
      const first = spawnApp({ ...env, PORT: String(port) });
      await waitUntilReady(first, `http://127.0.0.1:${port}/health/ready`);
      const log = first.output();
      expect(log).toContain(`its data lives in ${join(dataDir, 'postgres')}`);
      expect(log).toContain(`docs http://localhost:${port}/docs`);
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('"msg":"stopped"');
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(first.output()).not.toContain(ADMIN.password);

      // Same folder again: the same database (the admin made by the first run) and JWT secret.
      port = await freePort();
      const second = spawnApp({ DATA_DIR: dataDir, PORT: String(port) });
      try {
        await waitUntilReady(second, `http://127.0.0.1:${port}/health/ready`);
        const created = await fetch(`http://127.0.0.1:${port}/api/v1/admin/staff`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
          body: JSON.stringify({
            email: 'second.run@clinic.test',
            password: 'twelve+ characters',
            role: 'receptionist',
          }),
        });
        expect(created.status).toBe(201);
      } finally {
        second.child.kill('SIGINT');
        expect(await second.exited).toBe(0);
      }
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
