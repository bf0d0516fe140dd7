import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import { clientAddressKey, type LoginThrottleService, type RateLimiter, type RateRule } from '../rate-limits/index.ts';
import type { AuthenticationResult, PasswordService } from './password.service.ts';

export interface LoginAttempt {
  identifier: string;
  password: string;
  ip: string;
  /** The browser's device proof cookie, if it has one. */
  deviceProof?: string;
  clientId?: string | null;
}

export type LoginOutcome =
  | { kind: 'succeeded'; result: AuthenticationResult; deviceProof: string }
  /**
   * The password check failed. `triesBeforeDelay`: failures left before one starts a delay, `nextDelaySeconds`
   * what that one would cost, `delayStartedSeconds` the delay this failure started (0: none). Counted per
   * login name, so the same for known and unknown names: no enumeration oracle.
   */
  | { kind: 'failed'; triesBeforeDelay: number; nextDelaySeconds: number; delayStartedSeconds: number }
  /** Too many failures for this login name: wait, then try again (or reset the password). */
  | { kind: 'throttled'; retryAfterSeconds: number }
  /** Too many attempts from this network address. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'unconfirmed'; email: string }
  /** The password was right but the account is locked (issue 17 item 8): no login until it is unlocked. */
  | { kind: 'locked' };

/**
 * Password login with its abuse protection and audit trail: per-IP window, per-name progressive delay,
 * then the password check. Known and unknown names take the same path and the same queries.
 */
export class LoginService {
  private readonly em: EntityManager;
  private readonly passwords: PasswordService;
  private readonly throttle: LoginThrottleService;
  private readonly limiter: RateLimiter;
  private readonly audit: AuditLog;
  private readonly perIp: RateRule;

  constructor(deps: { em: EntityManager; passwords: PasswordService; throttle: LoginThrottleService; limiter: RateLimiter; audit: AuditLog; perIp: RateRule }) {
    this.em = deps.em;
    this.passwords = deps.passwords;
    this.throttle = deps.throttle;
    this.limiter = deps.limiter;
    this.audit = deps.audit;
    this.perIp = deps.perIp;
  }

  async login(attempt: LoginAttempt): Promise<LoginOutcome> {
    const context = { ip: attempt.ip, clientId: attempt.clientId ?? null };
    const byIp = await this.limiter.hit('login-ip', clientAddressKey(attempt.ip), this.perIp);
    if (!byIp.allowed) {
      await this.record(undefined, { ...context, reason: 'rate_limited' });
      return { kind: 'rate_limited', retryAfterSeconds: byIp.retryAfterSeconds };
    }
    const subject = this.throttle.subjectFor(attempt.identifier, attempt.deviceProof);
    const throttle = await this.throttle.state(subject);
    if (throttle.waitSeconds > 0) {
      await this.record(undefined, { ...context, reason: 'throttled' });
      return { kind: 'throttled', retryAfterSeconds: throttle.waitSeconds };
    }
    const check = await this.passwords.check(attempt.identifier, attempt.password);
    if (check.kind === 'invalid') {
      const failures = await this.record(subject, { ...context, reason: 'invalid_credentials' }, check.accountId);
      return { kind: 'failed', ...this.throttle.outlook(failures) };
    }
    if (check.kind === 'unconfirmed' || check.kind === 'locked') {
      // The owner knew the password: no failure counted towards a delay; the event says why no login followed.
      await this.em.fork().transactional(async (em) => {
        await this.throttle.clear(em, subject);
        this.audit.record(em, { type: 'login.failed', accountId: check.accountId, ...context, details: { reason: check.kind } });
      });
      return check.kind === 'locked' ? { kind: 'locked' } : { kind: 'unconfirmed', email: check.email };
    }
    const { result } = check;
    const succeeded = { type: 'login.succeeded' as const, accountId: result.accountId, ...context, details: { amr: result.amr, level: result.level } };
    // Most logins have no failures on record: then the event is the only write, one statement (bench/login.ts).
    if (throttle.recorded) {
      await this.em.fork().transactional(async (em) => {
        await this.throttle.clear(em, subject);
        this.audit.record(em, succeeded);
      });
    } else {
      await this.audit.recordAlone(this.em, succeeded);
    }
    return { kind: 'succeeded', result, deviceProof: this.throttle.deviceProofFor(attempt.identifier, attempt.deviceProof) };
  }

  /** A failed attempt: counted towards the delay (when it reached the password check) and audited; the name's failures so far. */
  private async record(subject: string | undefined, context: { ip: string; clientId: string | null; reason: string }, accountId?: string): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      const failures = subject ? await this.throttle.recordFailure(em, subject) : 0;
      // The login name is not stored: it may be someone else's address, typed by mistake.
      this.audit.record(em, {
        type: 'login.failed',
        accountId: accountId ?? null,
        ip: context.ip,
        clientId: context.clientId,
        details: { reason: context.reason },
      });
      return failures;
    });
  }
}
