import {
  ACCOUNT_BACKOFF_AFTER,
  LocalLoginLimiter,
  MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS,
} from './login-limiter';

describe('LocalLoginLimiter', () => {
  const begin = (limiter: LocalLoginLimiter, address: string, now: number) => {
    const attempt = limiter.begin('anna@clinic.test', address, now);
    if (attempt.allowed) limiter.finish(attempt.ticket, false);
    return attempt.allowed ? 0 : attempt.retryAfterSeconds;
  };

  it('lets one verification per account run at a time', () => {
    const limiter = new LocalLoginLimiter();
    const first = limiter.begin('Anna@Clinic.test', '10.0.0.1', 0);
    expect(first.allowed).toBe(true);
    expect(limiter.begin('anna@clinic.test', '10.0.0.2', 0)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
    if (first.allowed) limiter.finish(first.ticket, true);
    expect(limiter.begin('anna@clinic.test', '10.0.0.2', 0).allowed).toBe(true);
  });

  it('locks an account at one address for the window, not at another', () => {
    const limiter = new LocalLoginLimiter();
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++)
      expect(begin(limiter, '10.0.0.1', i)).toBe(0);
    expect(begin(limiter, '10.0.0.1', 10)).toBe(15 * 60);
    expect(begin(limiter, '10.0.0.2', 10)).toBe(0);
  });

  it('backs an account off, doubling from a second, once failures from anywhere pile up', () => {
    const limiter = new LocalLoginLimiter();
    for (let i = 0; i < ACCOUNT_BACKOFF_AFTER; i++) expect(begin(limiter, `10.0.1.${i}`, 0)).toBe(0);
    expect(begin(limiter, '10.0.2.1', 500)).toBe(1);
    expect(begin(limiter, '10.0.2.1', 1000)).toBe(0);
    expect(begin(limiter, '10.0.2.2', 1500)).toBe(2);
  });

  it('takes a success back: it is not a failure', () => {
    const limiter = new LocalLoginLimiter();
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS - 1; i++) begin(limiter, '10.0.0.1', i);
    const ok = limiter.begin('anna@clinic.test', '10.0.0.1', 10);
    if (ok.allowed) limiter.finish(ok.ticket, true);
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS; i++)
      expect(begin(limiter, '10.0.0.1', 20 + i)).toBe(0);
  });
});
