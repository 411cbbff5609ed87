import { Inject, Injectable } from '@nestjs/common';
import { KEY_PREFIX, keyPart, SHARED_STORE, SharedStore } from '../common/shared-store';

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
  /** Where it was counted: Redis (its member in each key's set), or this instance's memory. */
  sharedMember?: string;
}

/** The three counts an attempt is decided on: account at address, address, account. */
const countKeys = (account: string, address: string) => [
  `pair:${account}|${address}`,
  `address:${address}`,
  `account:${account}`,
];

/**
 * The rule, whatever keeps the counts: how long an attempt must wait (ms, 0: may go ahead),
 * given the recent failure times (ascending, within the window) of each count key.
 */
export function waitBeforeAttempt([pair, address, account]: number[][], now: number): number {
  const lockedFor = (recent: number[], limit: number) =>
    recent.length < limit ? 0 : recent[recent.length - limit] + WINDOW_MS - now;
  const backoff =
    account.length < ACCOUNT_BACKOFF_AFTER
      ? 0
      : Math.max(
          0,
          account[account.length - 1] +
            Math.min(1000 * 2 ** (account.length - ACCOUNT_BACKOFF_AFTER), MAX_ACCOUNT_BACKOFF_MS) -
            now,
        );
  return Math.max(
    lockedFor(pair, MAX_FAILURES_PER_ACCOUNT_AT_ADDRESS),
    lockedFor(address, MAX_FAILURES_PER_ADDRESS),
    backoff,
  );
}

/**
 * Sign-in limits shared by every instance through Redis (REDIS_URL): each count key is a sorted
 * set of failure times, and one verification per account at a time is a key set with NX. The
 * counts are read, decided on by the same rule (`waitBeforeAttempt`) and then added to; the
 * per-account key makes that safe for the account's counts, while attempts at several accounts
 * from one address at the very same moment may each pass the address's count once. Without
 * Redis, or while it is unreachable, this instance's memory counts (LocalLoginLimiter).
 */
@Injectable()
export class LoginLimiter {
  private readonly local = new LocalLoginLimiter();

  constructor(@Inject(SHARED_STORE) private readonly store: SharedStore) {}

  async begin(email: string, address: string, now = Date.now()): Promise<Attempt> {
    const account = email.trim().toLowerCase();
    const shared = await this.store.run(async (redis) => {
      const verifying = `${KEY_PREFIX}login:verifying:${keyPart(account)}`;
      if ((await redis.set(verifying, '1', 'PX', 30_000, 'NX')) !== 'OK')
        return { allowed: false as const, retryAfterSeconds: 1 };
      const keys = countKeys(keyPart(account), keyPart(address)).map((key) => `${KEY_PREFIX}login:${key}`);
      const read = redis.multi();
      for (const key of keys)
        read.zremrangebyscore(key, '-inf', now - WINDOW_MS).zrange(key, 0, -1, 'WITHSCORES');
      const replies = (await read.exec()) ?? [];
      const times = keys.map((_, i) => {
        const flat = (replies[2 * i + 1]?.[1] ?? []) as string[];
        return flat.filter((_, j) => j % 2 === 1).map(Number);
      });
      const wait = waitBeforeAttempt(times, now);
      if (wait > 0) {
        await redis.del(verifying);
        return { allowed: false as const, retryAfterSeconds: Math.ceil(wait / 1000) };
      }
      const member = `${now}:${Math.random().toString(36).slice(2)}`;
      const write = redis.multi();
      for (const key of keys) write.zadd(key, now, member).pexpire(key, WINDOW_MS);
      await write.exec();
      return { allowed: true as const, ticket: { keys, account, at: now, sharedMember: member } };
    });
    return shared ?? this.local.begin(email, address, now);
  }

  /** Ends an attempt: a success takes its count back and clears the pair's failures. */
  async finish(ticket: Ticket, succeeded: boolean): Promise<void> {
    if (!ticket.sharedMember) return this.local.finish(ticket, succeeded);
    const [pair, ...others] = ticket.keys;
    await this.store.run(async (redis) => {
      const done = redis.multi().del(`${KEY_PREFIX}login:verifying:${keyPart(ticket.account)}`);
      if (succeeded) {
        done.del(pair);
        for (const key of others) done.zrem(key, ticket.sharedMember!);
      }
      await done.exec();
    });
  }
}

/**
 * Decides whether a sign-in may be tried, before the password is verified. The attempt is
 * counted as a failure when it begins (so a burst of attempts cannot all pass before the first
 * failures are counted), and at most one verification per account runs at a time. Locks are per
 * account and client address together, per address, and a slower back-off per account. Kept in
 * memory and decided synchronously, so atomic within an instance; each instance counts on its
 * own.
 */
export class LocalLoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly verifying = new Set<string>();

  begin(email: string, address: string, now = Date.now()): Attempt {
    const account = email.trim().toLowerCase();
    if (this.verifying.has(account)) return { allowed: false, retryAfterSeconds: 1 };
    const keys = countKeys(account, address);
    const wait = waitBeforeAttempt(
      keys.map((key) => this.recent(key, now)),
      now,
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

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) {
      if (times.every((at) => at <= now - WINDOW_MS)) this.failures.delete(key);
    }
  }
}
