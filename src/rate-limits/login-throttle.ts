import type { EntityManager } from '@mikro-orm/sql';
import { constantTimeEqual, deriveKey, hmacBase64Url, randomToken } from '../shared/crypto.ts';
import { LoginThrottle } from './login-throttle.entity.ts';

export interface ThrottleSettings {
  failuresBeforeDelay: number;
  delayBaseSeconds: number;
  delayMaxSeconds: number;
}

interface ThrottleRow {
  seconds_left: number | string | null;
}

/**
 * Progressive delays after failed logins (OWASP: throttle, don't lock). Counted per login name, so the
 * same rules hold whether or not an account exists. A browser that logged in successfully under this name
 * before carries a device proof and is counted on its own: an attacker's failures elsewhere never keep the
 * owner out (OWASP "device cookies").
 */
export class LoginThrottleService {
  private readonly em: EntityManager;
  private readonly key: Buffer;
  private readonly deviceKey: Buffer;
  private readonly settings: ThrottleSettings;

  constructor(em: EntityManager, secret: string, settings: ThrottleSettings) {
    this.em = em;
    this.key = deriveKey(secret, 'login-throttle');
    this.deviceKey = deriveKey(secret, 'device-proof');
    this.settings = settings;
  }

  /** The throttle key: per device proven for this name, else per name. */
  subjectFor(loginName: string, deviceProof: string | undefined): string {
    const name = loginName.trim().toLowerCase();
    const device = deviceProof ? this.verifiedDevice(name, deviceProof) : undefined;
    return hmacBase64Url(this.key, device ? `device\u0000${device}\u0000${name}` : `name\u0000${name}`);
  }

  /**
   * The throttle key of one account for a check that follows the login name, such as the second factor
   * (`scope` keeps checks apart). Counted per account, not per device: the second factor is only asked of
   * someone who already knew the password, and its codes are short enough to guess without a limit.
   */
  subjectForAccount(accountId: string, scope: string): string {
    return hmacBase64Url(this.key, `account\u0000${scope}\u0000${accountId}`);
  }

  /**
   * Seconds the name must still wait (0: it may try now), and whether failures are on record at all — a
   * successful login only needs to clear them then (most logins have none).
   */
  async state(subject: string): Promise<{ waitSeconds: number; recorded: boolean }> {
    const rows = await this.em
      .fork()
      .execute<ThrottleRow[]>('select extract(epoch from blocked_until - now()) as seconds_left from login_throttle where key = ?', [subject], 'all');
    const left = rows[0]?.seconds_left;
    return { waitSeconds: left !== null && left !== undefined && Number(left) > 0 ? Math.max(1, Math.ceil(Number(left))) : 0, recorded: rows.length > 0 };
  }

  /**
   * Counts a failure in the caller's transaction; from the threshold on, each failure doubles the wait. The
   * exponent is capped (2^30 s is past any ceiling) so a long-running guessing campaign cannot overflow it.
   * Returns the failures now on record.
   */
  async recordFailure(em: EntityManager, subject: string): Promise<number> {
    const { failuresBeforeDelay: threshold, delayBaseSeconds: base, delayMaxSeconds: max } = this.settings;
    const rows = await em.execute<Array<{ failures: number | string }>>(
      `insert into login_throttle (key, failures, blocked_until, updated_at) values (?, 1, case when 1 >= ? then now() + make_interval(secs => ?) end, now())
       on conflict (key) do update set failures = least(login_throttle.failures + 1, 1000000), updated_at = now(),
         blocked_until = case when login_throttle.failures + 1 >= ?
           then now() + make_interval(secs => least(?::double precision, ? * power(2, least(login_throttle.failures + 1 - ?, 30))))
           else null end
       returning failures`,
      [subject, threshold, Math.min(max, base), threshold, max, base, threshold],
      'all',
    );
    return Number(rows[0]?.failures ?? 1);
  }

  /**
   * What the failures on record mean for the next attempts, so the login page can warn before the one that
   * starts a delay. Only counts the name's own failures (the same rules for every name): nothing about the
   * account, which may not exist.
   */
  outlook(failures: number): { triesBeforeDelay: number; nextDelaySeconds: number; delayStartedSeconds: number } {
    const { failuresBeforeDelay: threshold, delayBaseSeconds: base, delayMaxSeconds: max } = this.settings;
    const delayAfter = (count: number) => (count < threshold ? 0 : Math.min(max, base * 2 ** Math.min(count - threshold, 30)));
    return { triesBeforeDelay: Math.max(0, threshold - failures), nextDelaySeconds: delayAfter(failures + 1), delayStartedSeconds: delayAfter(failures) };
  }

  async clear(em: EntityManager, subject: string): Promise<void> {
    await em.nativeDelete(LoginThrottle, { key: subject });
  }

  /** A proof for this browser that it logged in under `loginName`; kept in a long-lived cookie. */
  deviceProofFor(loginName: string, existing?: string): string {
    const name = loginName.trim().toLowerCase();
    const device = (existing && this.verifiedDevice(name, existing)) || randomToken(16);
    return `${device}.${hmacBase64Url(this.deviceKey, `${device}\u0000${name}`)}`;
  }

  private verifiedDevice(name: string, proof: string): string | undefined {
    const [device, mac] = proof.split('.');
    if (!device || !mac) return undefined;
    return constantTimeEqual(mac, hmacBase64Url(this.deviceKey, `${device}\u0000${name}`)) ? device : undefined;
  }

  /**
   * Account deletion: drops the failures counted under these login names (their per-name keys) and under
   * the account's per-account keys for these scopes, in the caller's transaction. Per-device keys cannot be
   * found (the device id lives only in the browser's cookie); they are keyed hashes that name nobody and go
   * with the daily purge.
   */
  async forgetAccount(tx: EntityManager, loginNames: string[], accountId: string, scopes: string[]): Promise<number> {
    const keys = [...loginNames.map((name) => this.subjectFor(name, undefined)), ...scopes.map((scope) => this.subjectForAccount(accountId, scope))];
    return tx.nativeDelete(LoginThrottle, { key: { $in: keys } });
  }

  /** Forgets failures a day after the last one. */
  purge(): Promise<number> {
    return this.em.fork().nativeDelete(LoginThrottle, { updatedAt: { $lt: new Date(Date.now() - 86_400_000) } });
  }
}
