import type { EntityManager } from '@mikro-orm/sql';
import { deriveKey, hmacBase64Url } from '../shared/crypto.ts';
import { RateLimitCounter } from './rate-limit-counter.entity.ts';

export interface RateRule {
  limit: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window ends (0 when allowed). */
  retryAfterSeconds: number;
}

interface CounterRow {
  hits: number;
  seconds_left: number | string;
}

/**
 * Fixed-window counters in PostgreSQL: one upsert counts the hit and reports the window's total, so
 * instances behind a load balancer share the limits. Keys are HMACs of scope and subject.
 */
export class RateLimiter {
  private readonly em: EntityManager;
  private readonly key: Buffer;

  constructor(em: EntityManager, secret: string) {
    this.em = em;
    this.key = deriveKey(secret, 'rate-limits');
  }

  /**
   * Counts one hit of `subject` in `scope` and says whether it is within the rule. With `em`, the count is
   * part of the caller's transaction (a forked connection inside a transaction hangs on PGlite).
   */
  async hit(scope: string, subject: string, rule: RateRule, em: EntityManager = this.em.fork()): Promise<RateDecision> {
    const rows = await em.execute<CounterRow[]>(
      `insert into rate_limit_counter (key, hits, window_ends_at) values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         hits = case when rate_limit_counter.window_ends_at <= now() then 1 else rate_limit_counter.hits + 1 end,
         window_ends_at = case when rate_limit_counter.window_ends_at <= now() then excluded.window_ends_at else rate_limit_counter.window_ends_at end
       returning hits, extract(epoch from window_ends_at - now()) as seconds_left`,
      [this.keyFor(scope, subject), rule.windowSeconds],
      'all',
    );
    const row = rows[0]!;
    const allowed = row.hits <= rule.limit;
    return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(Number(row.seconds_left))) };
  }

  keyFor(scope: string, subject: string): string {
    return hmacBase64Url(this.key, `${scope}\u0000${subject}`);
  }

  /** Deletes the counters of these scope/subject pairs in the caller's transaction (account deletion); returns how many. */
  forget(tx: EntityManager, counters: Array<{ scope: string; subject: string }>): Promise<number> {
    if (!counters.length) return Promise.resolve(0);
    return tx.nativeDelete(RateLimitCounter, { key: { $in: counters.map(({ scope, subject }) => this.keyFor(scope, subject)) } });
  }

  /** Deletes counters whose window has ended. */
  purge(): Promise<number> {
    return this.em.fork().nativeDelete(RateLimitCounter, { windowEndsAt: { $lt: new Date() } });
  }
}

/**
 * The address a per-IP limit counts. IPv6 hosts usually own a whole /64, so that prefix is the unit;
 * IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
