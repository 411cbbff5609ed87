import { Injectable } from '@nestjs/common';

const WINDOW_MS = 15 * 60_000;
/** Failures allowed in the window per account and per client address before refusing. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

/**
 * Counts failed sign-ins per account and per client address in a sliding window and says how
 * long to refuse further tries once either is over its limit. Kept in memory: each instance
 * counts on its own, so with N instances an attacker gets at most N times the budget.
 */
@Injectable()
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  /** Seconds until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfterSeconds(email: string, address: string, now = Date.now()): number {
    const wait = Math.max(
      this.waitFor(`account:${email.trim().toLowerCase()}`, MAX_FAILURES_PER_ACCOUNT, now),
      this.waitFor(`address:${address}`, MAX_FAILURES_PER_ADDRESS, now),
    );
    return Math.ceil(wait / 1000);
  }

  recordFailure(email: string, address: string, now = Date.now()): void {
    for (const key of [`account:${email.trim().toLowerCase()}`, `address:${address}`]) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.set(key, recent);
    }
    if (this.failures.size > 100_000) this.prune(now);
  }

  recordSuccess(email: string): void {
    this.failures.delete(`account:${email.trim().toLowerCase()}`);
  }

  private waitFor(key: string, limit: number, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < limit) return 0;
    return recent[recent.length - limit] + WINDOW_MS - now;
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) {
      if (times.every((at) => at <= now - WINDOW_MS)) this.failures.delete(key);
    }
  }
}
