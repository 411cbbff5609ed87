import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
      expect(log).toContain(`mail drop ${join(dataDir, 'mail')}. Stop with Ctrl-C.`);
      // Nest's route mapping is not for the info log; with an admin, no hint how to make one.
      expect(log).not.toContain('Mapped {');
      expect(log).not.toContain('No staff account yet');
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

  it('after a SIGKILL, stops the PostgreSQL the killed run left behind and starts again; refuses a second app on the same folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-crash-'));
    const isAlive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      let port = await freePort();
      const first = spawnApp({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
      await waitUntilReady(first, `http://127.0.0.1:${port}/health/ready`);
      const postgresPid = Number(
        readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
      );

      // A second start on the same folder while the first runs: one line naming it, exit 1.
      const second = spawnApp({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      const refusal = second.output().trim().split('\n').pop()!;
      expect(refusal).toBe(
        `Cannot start: ${dataDir} is in use by another clinic-booking (process ${first.child.pid}): stop it first, or give this one another DATA_DIR`,
      );
      expect(second.output()).not.toMatch(/\n\s+at /);

      // The app dies without cleaning up: its PostgreSQL is left running.
      first.child.kill('SIGKILL');
      await first.exited;
      expect(isAlive(postgresPid)).toBe(true);

      port = await freePort();
      const third = spawnApp({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
      try {
        await waitUntilReady(third, `http://127.0.0.1:${port}/health/ready`);
        expect(third.output()).toContain(
          `stopping the PostgreSQL (process ${postgresPid}) that a previous run left running in ${join(dataDir, 'postgres')}`,
        );
        expect(third.output()).toContain(
          'No staff account yet. To create the first admin, start with BOOTSTRAP_ADMIN_EMAIL',
        );
        expect(isAlive(postgresPid)).toBe(false);
      } finally {
        third.child.kill('SIGTERM');
        expect(await third.exited).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('on Ctrl-C (SIGINT to the whole process group) stops the app first, then its PostgreSQL, with no warning', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-ctrlc-'));
    try {
      const port = await freePort();
      const app = spawnApp({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }, { ownGroup: true });
      await waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`);
      process.kill(-app.child.pid!, 'SIGINT');
      expect(await app.exited).toBe(0);
      const lines = app
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      const stopping = lines.findIndex((line) => line.msg === 'shutting down');
      expect(stopping).toBeGreaterThan(-1);
      expect(lines.slice(stopping).filter((line) => line.level >= 40)).toEqual([]);
      expect(lines[lines.length - 1].msg).toBe('stopped');
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('npm start runs the built app as the process npm signals: SIGTERM to npm stops the app, then its PostgreSQL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clinic-booking-npm-'));
    try {
      const port = await freePort();
      const child = spawn('npm', ['start', '--silent'], {
        cwd: join(__dirname, '..'),
        env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The first start after a change builds the app first.
      await waitUntilReady(
        { child, output: () => output, exited },
        `http://127.0.0.1:${port}/health/ready`,
        120_000,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"stopped"');
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'app.pid'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
