import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  ACCOUNT_BACKOFF_AFTER,
  MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS,
  MAX_FAILURES_PER_ADDRESS,
} from '../src/auth/login-limiter';
import { Staff } from '../src/staff/staff.entity';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { expectProblem } from './support/http';

const ADMIN = { email: 'boss@clinic.test', password: 'a long enough password' };

describe('staff sign-in and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      BOOTSTRAP_ADMIN_EMAIL: 'Boss@Clinic.test',
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
  });
  afterAll(() => t.close());

  const login = (email: string, password: string) => t.http.post('/api/v1/auth/login', { email, password });

  describe('POST /api/v1/auth/login', () => {
    it('signs the bootstrap admin in with { accessToken, expiresIn }, email in any case', async () => {
      const response = await login('BOSS@clinic.test', ADMIN.password);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expiresIn: 28800,
      });
    });

    it('stores the bootstrap admin once, with an argon2id hash', async () => {
      const rows = await t.dataSource.getRepository(Staff).findBy({ email: ADMIN.email });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ role: 'admin', active: true });
      expect(rows[0].passwordHash).toMatch(/^\$argon2id\$/);
    });

    it('answers a wrong password and an unknown email with the same 401', async () => {
      const { email } = await signedInStaff(t);
      const wrongPassword = expectProblem(await login(email, 'not it at all'), 401);
      const unknownEmail = expectProblem(await login('nobody@clinic.test', 'not it at all'), 401);
      expect(wrongPassword).toEqual(unknownEmail);
    });

    it('refuses an account with 429 and Retry-After after repeated failures, even with the right password', async () => {
      const { email, password } = await signedInStaff(t);
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++) {
        expectProblem(await login(email, `wrong ${i}`), 401);
      }
      const refused = await login(email, password);
      expectProblem(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another account is not affected by that one's failures.
      const other = await signedInStaff(t);
      expect((await login(other.email, other.password)).status).toBe(200);
    });

    it('counts a burst of attempts before checking any password: one verification at a time, the right password among them refused', async () => {
      const { email, password } = await signedInStaff(t);
      const attempts = [...Array.from({ length: 299 }, (_, i) => `wrong ${i}`), password];
      const statuses = (await Promise.all(attempts.map((p) => login(email, p)))).map((r) => r.status);
      const checked = statuses.filter((status) => status !== 429);
      expect(checked.length).toBeGreaterThanOrEqual(1);
      expect(checked.length).toBeLessThanOrEqual(MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS);
      expect(statuses.filter((status) => status === 429)).toHaveLength(300 - checked.length);
      // Every wrong attempt that was checked counts: the account at this address is then locked
      // only once the limit is reached, not before.
      const failed = statuses.filter((status) => status === 401).length;
      for (let i = failed; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++) {
        expectProblem(await login(email, `again ${i}`), 401);
      }
      expectProblem(await login(email, password), 429);
    });

    it('refuses a token without an expiry, or whose subject is not an account id, with 401', async () => {
      const { staff } = await signedInStaff(t, 'admin');
      const jwt = t.app.get(JwtService);
      const noExpiry = await jwt.signAsync({ sub: staff.id, role: 'admin' });
      expectProblem(await t.http.get('/api/v1/admin/bookings', { token: noExpiry }), 401);
      const notAnId = await jwt.signAsync({ sub: 'not-a-uuid', role: 'admin' }, { expiresIn: 60 });
      expectProblem(await t.http.get('/api/v1/admin/bookings', { token: notAnId }), 401);
      const fine = await jwt.signAsync({ sub: staff.id, role: 'admin' }, { expiresIn: 60 });
      expect((await t.http.get('/api/v1/admin/bookings', { token: fine })).status).toBe(200);
    });

    it('validates the body and rejects unknown fields', async () => {
      const missing = expectProblem(await t.http.post('/api/v1/auth/login', { email: 'a@b.test' }), 400);
      expect(missing.errors).toEqual([expect.objectContaining({ field: 'password' })]);
      const extra = expectProblem(await t.http.post('/api/v1/auth/login', { ...ADMIN, remember: true }), 400);
      expect(extra.errors).toEqual([
        { field: 'remember', message: expect.stringContaining('should not exist') },
      ]);
    });
  });

  describe('POST /api/v1/admin/staff', () => {
    it('lets an admin create staff, answering without any password hash', async () => {
      const { token } = await signedInStaff(t, 'admin');
      const response = await t.http.post(
        '/api/v1/admin/staff',
        { email: 'New.Receptionist@Clinic.test', password: 'twelve+ characters', role: 'receptionist' },
        { token },
      );
      expect(response.status).toBe(201);
      expect(response.json).toEqual({
        id: expect.any(String),
        email: 'new.receptionist@clinic.test',
        role: 'receptionist',
        active: true,
        createdAt: expect.any(String),
      });
      expect(response.text).not.toMatch(/argon|password/i);
      const signIn = await login('new.receptionist@clinic.test', 'twelve+ characters');
      expect(signIn.status).toBe(200);
    });

    it('refuses a second account with the same email (any case) with 409', async () => {
      const { token } = await signedInStaff(t, 'admin');
      const body = { email: 'twice@clinic.test', password: 'twelve+ characters', role: 'admin' };
      expect((await t.http.post('/api/v1/admin/staff', body, { token })).status).toBe(201);
      const again = await t.http.post(
        '/api/v1/admin/staff',
        { ...body, email: 'TWICE@clinic.test' },
        { token },
      );
      expect(expectProblem(again, 409).detail).toMatch(/already exists/);
    });

    it('names each invalid field', async () => {
      const { token } = await signedInStaff(t, 'admin');
      const response = await t.http.post(
        '/api/v1/admin/staff',
        { email: 'nope', password: 'short', role: 'doctor' },
        { token },
      );
      const problem = expectProblem(response, 400);
      expect(problem.errors!.map((e) => e.field).sort()).toEqual(['email', 'password', 'role']);
      for (const password of ['aaaaaaaaaaaa', 'password1234', ' '.repeat(12)]) {
        const weak = expectProblem(
          await t.http.post(
            '/api/v1/admin/staff',
            { email: 'weak@clinic.test', password, role: 'admin' },
            { token },
          ),
          400,
        );
        expect(weak.errors).toEqual([
          { field: 'password', message: expect.stringMatching(/common|repeated/) },
        ]);
      }
    });

    it('is 401 without a token, with a malformed or forged token, and 403 for a receptionist', async () => {
      const body = { email: 'x@clinic.test', password: 'twelve+ characters', role: 'admin' };
      expectProblem(await t.http.post('/api/v1/admin/staff', body), 401);
      expectProblem(await t.http.post('/api/v1/admin/staff', body, { token: 'not-a-jwt' }), 401);
      const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJl';
      expectProblem(await t.http.post('/api/v1/admin/staff', body, { token: forged }), 401);
      const { token } = await signedInStaff(t, 'receptionist');
      expectProblem(await t.http.post('/api/v1/admin/staff', body, { token }), 403);
      expect(await t.dataSource.getRepository(Staff).countBy({ email: 'x@clinic.test' })).toBe(0);
    });

    it('stops accepting the token of a deactivated account at once', async () => {
      const { staff, token } = await signedInStaff(t, 'admin');
      await t.dataSource.getRepository(Staff).update(staff.id, { active: false });
      const body = { email: 'y@clinic.test', password: 'twelve+ characters', role: 'admin' };
      expectProblem(await t.http.post('/api/v1/admin/staff', body, { token }), 401);
    });
  });
});

describe('staff accounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const login = (email: string, password: string) => t.http.post('/api/v1/auth/login', { email, password });

  it('lists accounts, changes a role, deactivates (its live token refused at once) and reactivates; admins only', async () => {
    const admin = await signedInStaff(t, 'admin');
    const desk = await signedInStaff(t, 'receptionist');
    const listed = await t.http.get('/api/v1/admin/staff?limit=500', { token: admin.token });
    expect(listed.status).toBe(200);
    expect(listed.json.data.find((s: { id: string }) => s.id === desk.staff.id)).toEqual({
      id: desk.staff.id,
      email: desk.email,
      role: 'receptionist',
      active: true,
      createdAt: expect.any(String),
    });
    expect(listed.text).not.toMatch(/argon|password/i);
    expectProblem(await t.http.get('/api/v1/admin/staff', { token: desk.token }), 403);

    const off = await t.http.patch(
      `/api/v1/admin/staff/${desk.staff.id}`,
      { active: false },
      { token: admin.token },
    );
    expect(off.json).toMatchObject({ id: desk.staff.id, active: false });
    expectProblem(await t.http.get('/api/v1/admin/bookings', { token: desk.token }), 401);
    expectProblem(await login(desk.email, desk.password), 401);
    await t.http.patch(
      `/api/v1/admin/staff/${desk.staff.id}`,
      { active: true, role: 'admin' },
      { token: admin.token },
    );
    const back = await login(desk.email, desk.password);
    expect(back.status).toBe(200);
    expect((await t.http.get('/api/v1/admin/staff', { token: back.json.accessToken })).status).toBe(200);
    expectProblem(
      await t.http.patch(`/api/v1/admin/staff/${desk.staff.id}`, { role: 'doctor' }, { token: admin.token }),
      400,
    );
    expectProblem(
      await t.http.patch(`/api/v1/admin/staff/${randomUUID()}`, { active: false }, { token: admin.token }),
      404,
    );
  });

  it('keeps one active admin: the last can be neither demoted nor deactivated, even when two try at once', async () => {
    const only = await startTestApp({
      BOOTSTRAP_ADMIN_EMAIL: 'sole@clinic.test',
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const token = (
        await only.http.post('/api/v1/auth/login', { email: 'sole@clinic.test', password: ADMIN.password })
      ).json.accessToken as string;
      const [{ id: soleId }] = await only.dataSource.query(
        `SELECT id FROM staff WHERE email = 'sole@clinic.test'`,
      );
      const refused = expectProblem(
        await only.http.patch(`/api/v1/admin/staff/${soleId}`, { active: false }, { token }),
        409,
      );
      expect(refused.type).toMatch(/last-admin$/);
      expectProblem(
        await only.http.patch(`/api/v1/admin/staff/${soleId}`, { role: 'receptionist' }, { token }),
        409,
      );
      // A second admin; then each is demoted at the same moment: one of them stays admin. The
      // other demotion is held inside a transaction of this test's own, so that they overlap.
      const second = await signedInStaff(only, 'admin');
      const holder = new Client({ connectionString: only.config.databaseUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM staff WHERE role = 'admin' AND active FOR UPDATE`);
        const pending = only.http.patch(
          `/api/v1/admin/staff/${second.staff.id}`,
          { role: 'receptionist' },
          { token },
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        await holder.query(`UPDATE staff SET role = 'receptionist' WHERE id = $1`, [soleId]);
        await holder.query('COMMIT');
        expect(expectProblem(await pending, 409).type).toMatch(/last-admin$/);
      } finally {
        await holder.end();
      }
      const [{ n }] = await only.dataSource.query(
        `SELECT count(*)::int AS n FROM staff WHERE role = 'admin' AND active`,
      );
      expect(n).toBe(1);
    } finally {
      await only.close();
    }
  });

  it('lets an admin set a password, and anyone change their own with the current one', async () => {
    const admin = await signedInStaff(t, 'admin');
    const desk = await signedInStaff(t, 'receptionist');
    const set = await t.http.post(
      `/api/v1/admin/staff/${desk.staff.id}/password`,
      { password: 'a brand new password' },
      { token: admin.token },
    );
    expect(set.status).toBe(204);
    expectProblem(await login(desk.email, desk.password), 401);
    expect((await login(desk.email, 'a brand new password')).status).toBe(200);
    expectProblem(
      await t.http.post(
        `/api/v1/admin/staff/${desk.staff.id}/password`,
        { password: 'password1234' },
        { token: admin.token },
      ),
      400,
    );

    const own = (body: object) => t.http.post('/api/v1/auth/password', body, { token: desk.token });
    const wrong = expectProblem(
      await own({ currentPassword: 'not it', newPassword: 'my own new password' }),
      400,
    );
    expect(wrong.errors).toEqual([{ field: 'currentPassword', message: 'is not your current password' }]);
    const weak = expectProblem(
      await own({ currentPassword: 'a brand new password', newPassword: 'aaaaaaaaaaaa' }),
      400,
    );
    expect(weak.errors).toEqual([{ field: 'newPassword', message: expect.stringMatching(/repeated/) }]);
    expect(
      (await own({ currentPassword: 'a brand new password', newPassword: 'my own new password' })).status,
    ).toBe(204);
    expect((await login(desk.email, 'my own new password')).status).toBe(200);
    expectProblem(
      await t.http.post('/api/v1/auth/password', {
        currentPassword: 'x',
        newPassword: 'my own new password',
      }),
      401,
    );
  });
});

describe('staff tokens signed with JWT_SECRET', () => {
  it('accepts a token signed with the secret as a plain string (as before the key object), and refuses another secret', async () => {
    const secret = 'a JWT secret of at least thirty-two characters';
    const t = await startTestApp({
      JWT_SECRET: secret,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const admin = await t.dataSource.getRepository(Staff).findOneByOrFail({ email: ADMIN.email });
      const sign = (key: string) =>
        new JwtService({ secret: key }).sign(
          { sub: admin.id, role: 'admin' },
          { algorithm: 'HS256', expiresIn: 60 },
        );
      expect((await t.http.get('/api/v1/admin/bookings', { token: sign(secret) })).status).toBe(200);
      expectProblem(await t.http.get('/api/v1/admin/bookings', { token: sign(`${secret}!`) }), 401);
    } finally {
      await t.close();
    }
  });
});

describe('staff tokens across a restart', () => {
  it('keeps the generated JWT secret in DATA_DIR, so tokens survive a restart', async () => {
    const first = await startTestApp({
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    const token = (await first.http.post('/api/v1/auth/login', ADMIN)).json.accessToken;
    const env = { DATABASE_URL: first.config.databaseUrl!, DATA_DIR: first.config.dataDir };
    await first.close();
    const second = await startTestApp(env);
    try {
      const body = {
        email: 'after.restart@clinic.test',
        password: 'twelve+ characters',
        role: 'receptionist',
      };
      expect((await second.http.post('/api/v1/admin/staff', body, { token })).status).toBe(201);
    } finally {
      await second.close();
    }
    // A different DATA_DIR means a different secret: the old token is then refused.
    const third = await startTestApp({ DATABASE_URL: first.config.databaseUrl! });
    try {
      expectProblem(await third.http.post('/api/v1/admin/staff', {}, { token }), 401);
    } finally {
      await third.close();
    }
  });
});

describe('sign-in failures per client address', () => {
  it('refuses an address after many failures over many accounts; X-Forwarded-For counts only behind a trusted proxy', async () => {
    const t = await startTestApp({ TRUST_PROXY: '1' });
    try {
      const from = (address: string, i: number) =>
        t.http.post(
          '/api/v1/auth/login',
          { email: `guess${i}@clinic.test`, password: 'guessing' },
          { headers: { 'x-forwarded-for': address } },
        );
      for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) expectProblem(await from('203.0.113.7', i), 401);
      expectProblem(await from('203.0.113.7', 999), 429);
      expectProblem(await from('203.0.113.8', 999), 401);
    } finally {
      await t.close();
    }
  });

  it('does not let a stranger lock the real user out from elsewhere; many addresses only slow the account down', async () => {
    const t = await startTestApp({ TRUST_PROXY: '1' });
    try {
      const { email, password } = await signedInStaff(t);
      const attempt = (address: string, pass: string) =>
        t.http.post(
          '/api/v1/auth/login',
          { email, password: pass },
          { headers: { 'x-forwarded-for': address } },
        );
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++) {
        expectProblem(await attempt('198.51.100.66', `guess ${i}`), 401);
      }
      expectProblem(await attempt('198.51.100.66', password), 429);
      // The owner, at the front desk, signs in.
      expect((await attempt('192.0.2.10', password)).status).toBe(200);
      // Failures spread over many addresses (these and the five above) make each further attempt
      // wait a little, wherever it comes from.
      for (let i = 0; i < ACCOUNT_BACKOFF_AFTER - MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++) {
        expectProblem(await attempt(`198.51.100.${i}`, `spread ${i}`), 401);
      }
      const slowed = await attempt('192.0.2.10', password);
      expectProblem(slowed, 429);
      expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    } finally {
      await t.close();
    }
  });
});
