import { startTestApp, TestApp } from './support/app';
import { expectProblem } from './support/http';

describe('staff sign-in and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      BOOTSTRAP_ADMIN_EMAIL: 'Boss@Clinic.test',
      BOOTSTRAP_ADMIN_PASSWORD: 'a long enough password',
    });
  });
  afterAll(() => t.close());

  it('signs the bootstrap admin in with { accessToken, expiresIn }, email in any case', async () => {
    const response = await t.http.post('/api/v1/auth/login', {
      email: 'boss@clinic.TEST',
      password: 'a long enough password',
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresIn: 28800,
    });
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const wrongPassword = await t.http.post('/api/v1/auth/login', {
      email: 'boss@clinic.test',
      password: 'not it at all',
    });
    const unknownEmail = await t.http.post('/api/v1/auth/login', {
      email: 'nobody@clinic.test',
      password: 'not it at all',
    });
    const a = expectProblem(wrongPassword, 401);
    const b = expectProblem(unknownEmail, 401);
    expect(a).toEqual(b);
  });
});
