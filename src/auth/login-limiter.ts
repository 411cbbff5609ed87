import { Injectable } from '@nestjs/common';

const WINDOW_MS = 15 * 60_000;
/** Failures allowed in the window for one account from one client address. */
export const MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS = 5;
/** Failures allowed in the window from one client address, whatever the accounts. */
export const MAX_FAILURES_PER_ADDRESS = 20;
/**
 * Failures of one account from anywhere after which each further attempt waits: 1 s after the
 * last failure, doubling per failure, at most a minute. Slows a spread-out attack on one account
 * without letting a stranger lock its owner out for long.
 */
export const ACCOUNT_BACKOFF_AFTER = 10;
const MAX_ACCOUNT_BACKOFF_MS = 60_000;

export type Attempt = { allowed: true; ticket: Ticket } | { allowed: false; retryAfterSeconds: number };

/** An attempt under way: counted as a failure until `finish` says it succeeded. */
export interface Ticket {
  keys: string[];
  account: string;
  at: number;
}

/**
 * Decides whether a sign-in may be tried, before the password is verified. The attempt is
 * counted as a failure when it begins (so a burst of attempts cannot all pass before the first
 * failures are counted), and at most one verification per account runs at a time. Locks are per
 * account and client address together, per address, and a slower back-off per account. Kept in
 * memory and decided synchronously, so atomic within an instance; each instance counts on its
 * own.
 */
@Injectable()
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly verifying = new Set<string>();

  begin(email: string, address: string, now = Date.now()): Attempt {
    const account = email.trim().toLowerCase();
    if (this.verifying.has(account)) return { allowed: false, retryAfterSeconds: 1 };
    const keys = [`pair:${account}|${address}`, `address:${address}`, `account:${account}`];
    const wait = Math.max(
      this.lockedFor(keys[0], MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS, now),
      this.lockedFor(keys[1], MAX_FAILURES_PER_ADDRESS, now),
      this.backoffFor(keys[2], now),
    );
    if (wait > 0) return { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000) };
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    this.verifying.add(account);
    if (this.failures.size > 100_000) this.prune(now);
    return { allowed: true, ticket: { keys, account, at: now } };
  }

  /** Ends an attempt: a success takes its count back and clears the pair's failures. */
  finish(ticket: Ticket, succeeded: boolean): void {
    this.verifying.delete(ticket.account);
    if (!succeeded) return;
    const [pair, ...others] = ticket.keys;
    this.failures.delete(pair);
    for (const key of others) {
      const times = this.failures.get(key) ?? [];
      const index = times.lastIndexOf(ticket.at);
      if (index >= 0) times.splice(index, 1);
    }
  }

  private lockedFor(key: string, limit: number, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < limit) return 0;
    return recent[recent.length - limit] + WINDOW_MS - now;
  }

  private backoffFor(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < ACCOUNT_BACKOFF_AFTER) return 0;
    const gap = Math.min(1000 * 2 ** (recent.length - ACCOUNT_BACKOFF_AFTER), MAX_ACCOUNT_BACKOFF_MS);
    return Math.max(0, recent[recent.length - 1] + gap - now);
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
