import type { EntityManager } from '@mikro-orm/sql';
import type { PasswordPolicy } from '../../config/registration.ts';
import { AccountRepository, mailGreeting, passwordViolations, type PasswordRule } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Outbox } from '../mail/index.ts';
import { clientAddressKey, type LoginThrottleService, type RateLimiter, type RateRule } from '../rate-limits/index.ts';
import type { VerificationService } from '../verification/index.ts';
import type { PasswordService } from './password.service.ts';

export interface PasswordChangeContext {
  ip: string;
  /** The uid of the login session of the browser that changes the password: it stays; every other one ends. */
  keepSessionUid: string | undefined;
}

export type PasswordChangeOutcome =
  | { kind: 'changed'; sessionsEnded: number }
  /** The current password was wrong (counted like a failed login for the account's login names). */
  | { kind: 'wrong_password' }
  /** The new password breaks the policy; `password.rule.not_current` is one more rule here. */
  | { kind: 'rejected'; violations: PasswordRule[] }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

export interface PasswordChangeDeps {
  em: EntityManager;
  passwords: PasswordService;
  /** Voids the account's open e-mail change links (`revokeOpen(tx, accountId, 'email_change')`). */
  verification: Pick<VerificationService, 'revokeOpen'>;
  throttle: LoginThrottleService;
  limiter: RateLimiter;
  /** The window shared by every request outside login that costs an argon2id hash (rateLimits.passwordHashPerIp). */
  perIp: RateRule;
  outbox: Outbox;
  audit: AuditLog;
  policy: PasswordPolicy;
  issuer: string;
  /** Ends the account's login sessions except `keepUid`, with back-channel logout (AccountSignOut.endSessions). */
  endOtherSessions: (accountId: string, keepUid: string | undefined) => Promise<number>;
}

/**
 * Password change in the account area (issue 17 item 5). Knowing the session is not enough: the current
 * password is asked again (OWASP ASVS 4.0 V2.1.6), through the same gates as a login — the per-IP hashing
 * window, then the login names' progressive delay, so the change form is no way around the login throttle.
 * The new password passes the deployment's policy with the account's personal words, as at registration
 * and reset. Afterwards every other login session ends (ASVS V3.3.3): whoever had the old password is out, and
 * an e-mail change they may have started goes too (the notice to the old address advises this very change).
 */
export class PasswordChangeService {
  private readonly deps: PasswordChangeDeps;
  constructor(deps: PasswordChangeDeps) {
    this.deps = deps;
  }

  async changePassword(accountId: string, current: string, next: string, context: PasswordChangeContext): Promise<PasswordChangeOutcome> {
    const { em, passwords, throttle, limiter, audit, outbox } = this.deps;
    const byIp = await limiter.hit('password-hash-ip', clientAddressKey(context.ip), this.deps.perIp);
    if (!byIp.allowed) return { kind: 'rate_limited', retryAfterSeconds: byIp.retryAfterSeconds };
    const account = await new AccountRepository(em.fork()).findById(accountId);
    if (account?.status !== 'active') return { kind: 'wrong_password' };
    const subjects = [account.email, account.username].filter((name): name is string => Boolean(name)).map((name) => throttle.subjectFor(name, undefined));
    const states = await Promise.all(subjects.map((subject) => throttle.state(subject)));
    const wait = Math.max(0, ...states.map((state) => state.waitSeconds));
    if (wait > 0) return { kind: 'throttled', retryAfterSeconds: wait };

    if (!(await passwords.verifyFor(accountId, current))) {
      await em.fork().transactional(async (tx) => {
        for (const subject of subjects) await throttle.recordFailure(tx, subject);
        audit.record(tx, { type: 'password.change_failed', accountId, ip: context.ip, details: { reason: 'wrong_password' } });
      });
      return { kind: 'wrong_password' };
    }
    const person = { email: account.email, username: account.username, givenName: account.givenName, familyName: account.familyName };
    const violations = passwordViolations(this.deps.policy, next, person);
    // The current password is known to be right here, so equal text means the same password.
    if (next === current) violations.push({ key: 'password.rule.not_current', params: {} });
    if (violations.length) return { kind: 'rejected', violations };

    // Hash before the transaction: nothing slow holds a row lock.
    const hash = await passwords.hash(next);
    await em.fork().transactional(async (tx) => {
      await passwords.storeHash(tx, accountId, hash);
      // An intruder's pending change to an address of theirs would otherwise still work: confirmed later, a reset to it takes over.
      await this.deps.verification.revokeOpen(tx, accountId, 'email_change');
      for (const subject of subjects) await throttle.clear(tx, subject);
      audit.record(tx, { type: 'password.changed', accountId, ip: context.ip });
      // A dropped notice (the address's share used up) must not undo the change; the outbox logs it.
      await outbox.enqueue(tx, {
        message: 'password-changed',
        to: account.email,
        locale: account.locale === 'en' ? 'en' : 'de',
        data: { ...mailGreeting(account), forgotLink: `${this.deps.issuer}/password/forgot`, othersOnly: true },
      });
    });
    outbox.written();
    const sessionsEnded = await this.deps.endOtherSessions(accountId, context.keepSessionUid);
    return { kind: 'changed', sessionsEnded };
  }
}
