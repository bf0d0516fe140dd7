import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import { clientAddressKey, type LoginThrottleService, type RateLimiter, type RateRule } from '../rate-limits/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { AuthenticationLevel, AuthenticatorResult } from '../trust/index.ts';
import { CredentialRepository } from './credential.repository.ts';
import type { EmailCodes } from './email-code.service.ts';
import type { FactorChange, FactorNotices } from './factor-notice.ts';
import type { RecoveryCodes } from './recovery-code.service.ts';
import type { TotpCredentials, TotpEnrolment } from './totp.service.ts';

export type SecondFactorMethod = 'totp' | 'email_code' | 'recovery_code';
export interface SecondFactors {
  totp: boolean;
  emailCode: boolean;
  recoveryCodesLeft: number;
}
export interface AttemptContext {
  ip: string;
  clientId: string | null;
  locale: 'de' | 'en';
}
/** Throttled: too many wrong codes for this account (delays, never a lockout). Rate limited: too many from this address. */
type Limited = { kind: 'throttled'; retryAfterSeconds: number } | { kind: 'rate_limited'; retryAfterSeconds: number };
/** `failed` is one outcome for wrong, replayed, expired and used codes: the person learns nothing more. */
export type CodeOutcome = { kind: 'succeeded'; result: AuthenticatorResult } | { kind: 'failed' } | Limited;
/** The account area's change of method or device: what it changed, and the recovery codes of a first factor (shown once). */
export type ChangeOutcome = { kind: 'changed'; change: FactorChange; recoveryCodes: string[] | null } | { kind: 'failed' } | Limited;
/** The account area's overview: the method in use (null: none), since when, recovery codes left. */
export interface SecondFactorOverview {
  method: 'totp' | 'email_code' | null;
  since: Date | null;
  recoveryCodesLeft: number;
}
export type EnrolmentOutcome =
  /** `recoveryCodes`: the ten new ones when the account had none left (show them once), else null. */
  { kind: 'enrolled'; result: AuthenticatorResult; recoveryCodes: string[] | null } | { kind: 'failed' } | Limited;

export interface SecondFactorDeps {
  em: EntityManager;
  totp: TotpCredentials;
  recoveryCodes: RecoveryCodes;
  emailCodes: EmailCodes;
  /** A throttle with the second factor's thresholds (config secondFactor.failuresBeforeDelay). */
  throttle: LoginThrottleService;
  limiter: RateLimiter;
  perIp: RateRule;
  audit: AuditLog;
  /** The level a login with a second factor reaches (config secondFactor.level). */
  level: AuthenticationLevel;
  /** The deployment requires a second factor (config secondFactor.required): it can be changed, never removed. */
  required: boolean;
  /** The mail that tells the person of every change the account area makes. */
  notices: FactorNotices;
}

type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The second factor at login and its enrolment: TOTP app, e-mailed code, recovery codes. Every code entry
 * passes the same gates as the password (per-IP window, per-account progressive delay) and is audited in
 * the transaction of its change; a success reports `amr: ['otp']` (RFC 8176 §2, one-time password, for all
 * three: the login flow adds `pwd` and `mfa`).
 */
export class SecondFactorService {
  private readonly deps: SecondFactorDeps;
  constructor(deps: SecondFactorDeps) {
    this.deps = deps;
  }

  factorsOf(accountId: string): Promise<SecondFactors> {
    return this.factorsIn(this.deps.em.fork(), accountId);
  }

  async verify(accountId: string, method: SecondFactorMethod, code: string, context: AttemptContext): Promise<CodeOutcome> {
    const outcome = await this.attempt(accountId, method, context, false, async (tx): Promise<Check<null>> => {
      if (method === 'totp') {
        const checked = await this.deps.totp.check(tx, accountId, code, 'login');
        return checked.ok ? { ok: true, value: null } : checked;
      }
      if (method === 'email_code') {
        // Only an enrolled e-mail factor counts; a code mailed for enrolment is of another purpose.
        if (!(await this.hasEmailFactor(tx, accountId))) return { ok: false, reason: 'not_enrolled' };
        const checked = await this.deps.emailCodes.check(tx, accountId, 'login_code', code);
        return checked.kind === 'valid' ? { ok: true, value: null } : { ok: false, reason: checked.reason };
      }
      if (!(await this.deps.recoveryCodes.spend(tx, accountId, code))) return { ok: false, reason: 'wrong_code' };
      this.deps.audit.record(tx, { type: 'recovery_code.used', accountId, ip: context.ip, clientId: context.clientId });
      return { ok: true, value: null };
    });
    return outcome.kind === 'succeeded' ? { kind: 'succeeded', result: outcome.result } : outcome;
  }

  /** Mails a login code to the account's confirmed address (only with the e-mail factor enrolled); silently capped. */
  async sendLoginCode(accountId: string, context: AttemptContext): Promise<void> {
    if (!(await this.hasEmailFactor(this.deps.em.fork(), accountId))) return;
    await this.deps.emailCodes.send(accountId, 'login_code', context);
  }

  /** Starts (or restarts) adding a TOTP app: a pending secret, shown as text, URI and QR code. */
  startTotpEnrolment(accountId: string, label: string): Promise<TotpEnrolment> {
    return this.deps.em.fork().transactional((tx) => this.deps.totp.start(tx, accountId, label));
  }

  /**
   * Deletes TOTP secrets whose enrolment was abandoned a day ago or longer (the page left at the QR code):
   * a secret nobody confirmed is of no use, and a secret kept is one more to protect.
   */
  purgeAbandonedEnrolments(now: Date): Promise<number> {
    return new CredentialRepository(this.deps.em.fork()).purgePendingTotp(new Date(now.getTime() - 86_400_000));
  }

  /** The pending TOTP enrolment, to show its secret again; null when none is pending. */
  pendingTotpEnrolment(accountId: string, label: string): Promise<TotpEnrolment | null> {
    return this.deps.totp.pending(this.deps.em.fork(), accountId, label);
  }

  /** The first code from the new app proves it holds the secret: the app becomes the account's TOTP factor. */
  confirmTotpEnrolment(accountId: string, code: string, context: AttemptContext): Promise<EnrolmentOutcome> {
    return this.enrol(accountId, 'totp', context, (tx) => this.deps.totp.check(tx, accountId, code, 'confirm'));
  }

  /** Mails the code that adds the e-mail factor, to the account's confirmed address; silently capped. */
  sendEnrolmentCode(accountId: string, context: AttemptContext): Promise<void> {
    return this.deps.emailCodes.send(accountId, 'enrol_email_code', context);
  }

  confirmEmailEnrolment(accountId: string, code: string, context: AttemptContext): Promise<EnrolmentOutcome> {
    return this.enrol(accountId, 'email_code', context, async (tx) => {
      const checked = await this.deps.emailCodes.check(tx, accountId, 'enrol_email_code', code);
      if (checked.kind !== 'valid') return { ok: false, reason: checked.reason };
      if (!(await this.hasEmailFactor(tx, accountId))) new CredentialRepository(tx).create(accountId, 'email_code', { confirmedAt: new Date() });
      return { ok: true };
    });
  }

  /**
   * Ten new recovery codes in place of the old ones (the account area), shown once. Only for an account
   * with a second factor: without one, there is nothing to recover.
   */
  async replaceRecoveryCodes(accountId: string, context: Omit<AttemptContext, 'locale'>): Promise<string[]> {
    return this.deps.em
      .fork()
      .transactional(async (tx) => {
        const factors = await new CredentialRepository(tx).summariesOf(accountId);
        if (!factors.some((credential) => (credential.type === 'totp' && credential.confirmed) || credential.type === 'email_code')) {
          throw new AppError('credential.no_second_factor', 409);
        }
        const codes = await this.deps.recoveryCodes.replace(tx, accountId);
        this.deps.audit.record(tx, { type: 'recovery_codes.created', accountId, ip: context.ip, clientId: context.clientId });
        await this.deps.notices.queue(tx, accountId, 'recovery_codes');
        return codes;
      })
      .then((codes) => {
        this.deps.notices.written();
        return codes;
      });
  }

  /** The account area's overview of the second factor. */
  async overviewOf(accountId: string): Promise<SecondFactorOverview> {
    const credentials = await new CredentialRepository(this.deps.em.fork()).summariesOf(accountId);
    const factor =
      credentials.find((credential) => credential.type === 'totp' && credential.confirmed) ??
      credentials.find((credential) => credential.type === 'email_code');
    return {
      method: factor ? (factor.type as 'totp' | 'email_code') : null,
      since: factor?.createdAt ?? null,
      recoveryCodesLeft: credentials.filter((credential) => credential.type === 'recovery_code' && credential.lastUsedAt === null).length,
    };
  }

  /**
   * The account area confirms a new TOTP app with its first code (after {@link startTotpEnrolment}). What
   * that changes follows from what the account had: nothing (a first factor, with recovery codes), the
   * e-mail code (a switch: the e-mail factor goes in the same transaction, the recovery codes stay) or an
   * app (a new device: the old secret is replaced only now, so it works until the new one is proven).
   */
  confirmTotpChange(accountId: string, code: string, context: AttemptContext): Promise<ChangeOutcome> {
    return this.change(accountId, 'totp', context, async (tx, before) => {
      const checked = await this.deps.totp.check(tx, accountId, code, 'confirm');
      if (!checked.ok) return checked;
      if (before.totp) return { ok: true, value: 'device_replaced' };
      if (!before.emailCode) return { ok: true, value: 'enrolled_totp' };
      await new CredentialRepository(tx).deleteOfType(accountId, 'email_code');
      return { ok: true, value: 'switched_totp' };
    });
  }

  /**
   * The account area confirms the e-mail factor with the code {@link sendEnrolmentCode} mailed: a first
   * factor, or a switch from the app, whose secrets (confirmed and pending) go in the same transaction.
   */
  confirmEmailChange(accountId: string, code: string, context: AttemptContext): Promise<ChangeOutcome> {
    return this.change(accountId, 'email_code', context, async (tx, before) => {
      if (before.emailCode) return { ok: false, reason: 'already_enrolled' };
      const checked = await this.deps.emailCodes.check(tx, accountId, 'enrol_email_code', code);
      if (checked.kind !== 'valid') return { ok: false, reason: checked.reason };
      const repository = new CredentialRepository(tx);
      repository.create(accountId, 'email_code', { confirmedAt: new Date() });
      if (!before.totp) return { ok: true, value: 'enrolled_email' };
      await repository.deleteOfType(accountId, 'totp');
      return { ok: true, value: 'switched_email' };
    });
  }

  /**
   * Removes the second factor with its recovery codes (they stand in for a factor that no longer exists);
   * afterwards the login asks for the password only. Refused (`second_factor.required`) where the
   * deployment requires one. The password is a first factor and is never touched here.
   */
  async removeSecondFactor(accountId: string, context: Omit<AttemptContext, 'locale'>): Promise<void> {
    if (this.deps.required) throw new AppError('second_factor.required', 409);
    await this.deps.em.fork().transactional(async (tx) => {
      const before = await this.factorsIn(tx, accountId);
      if (!before.totp && !before.emailCode) throw new AppError('second_factor.none', 409);
      const repository = new CredentialRepository(tx);
      for (const type of ['totp', 'email_code', 'recovery_code'] as const) await repository.deleteOfType(accountId, type);
      const method = before.totp ? 'totp' : 'email_code';
      this.deps.audit.record(tx, { type: 'second_factor.removed', accountId, ip: context.ip, clientId: context.clientId, details: { method } });
      await this.deps.notices.queue(tx, accountId, 'removed');
    });
    this.deps.notices.written();
  }

  /** A change through the same gates as every code entry; audit, recovery codes of a first factor and the notice in its transaction. */
  private async change(
    accountId: string,
    method: 'totp' | 'email_code',
    context: AttemptContext,
    confirm: (tx: EntityManager, before: SecondFactors) => Promise<Check<FactorChange>>,
  ): Promise<ChangeOutcome> {
    const { audit, recoveryCodes, notices } = this.deps;
    const where = { accountId, ip: context.ip, clientId: context.clientId };
    const outcome = await this.attempt(accountId, method, context, true, async (tx): Promise<Check<{ change: FactorChange; codes: string[] | null }>> => {
      const confirmed = await confirm(tx, await this.factorsIn(tx, accountId));
      if (!confirmed.ok) return confirmed;
      const change = confirmed.value;
      if (change === 'device_replaced') audit.record(tx, { type: 'second_factor.device_replaced', ...where, details: { method } });
      else if (change.startsWith('switched'))
        audit.record(tx, { type: 'second_factor.switched', ...where, details: { from: method === 'totp' ? 'email_code' : 'totp', to: method } });
      else audit.record(tx, { type: 'second_factor.enrolled', ...where, details: { method } });
      let codes: string[] | null = null;
      // A first factor brings recovery codes; a switch or a new device keeps the ones the person holds.
      if (change.startsWith('enrolled') && (await new CredentialRepository(tx).recoveryCodesLeft(accountId)) === 0) {
        codes = await recoveryCodes.replace(tx, accountId);
        audit.record(tx, { type: 'recovery_codes.created', ...where });
      }
      await notices.queue(tx, accountId, change);
      return { ok: true, value: { change, codes } };
    });
    if (outcome.kind !== 'succeeded') return outcome;
    notices.written();
    return { kind: 'changed', change: outcome.value.change, recoveryCodes: outcome.value.codes };
  }

  private async factorsIn(tx: EntityManager, accountId: string): Promise<SecondFactors> {
    const credentials = await new CredentialRepository(tx).summariesOf(accountId);
    return {
      totp: credentials.some((credential) => credential.type === 'totp' && credential.confirmed),
      emailCode: credentials.some((credential) => credential.type === 'email_code'),
      recoveryCodesLeft: credentials.filter((credential) => credential.type === 'recovery_code' && credential.lastUsedAt === null).length,
    };
  }

  private async enrol(
    accountId: string,
    method: 'totp' | 'email_code',
    context: AttemptContext,
    confirm: (tx: EntityManager) => Promise<{ ok: true } | { ok: false; reason: string }>,
  ): Promise<EnrolmentOutcome> {
    const outcome = await this.attempt(accountId, method, context, true, async (tx): Promise<Check<string[] | null>> => {
      const confirmed = await confirm(tx);
      if (!confirmed.ok) return confirmed;
      this.deps.audit.record(tx, { type: 'second_factor.enrolled', accountId, ip: context.ip, clientId: context.clientId, details: { method } });
      // The first factor gets recovery codes with it; a second one keeps the codes the account has.
      if ((await new CredentialRepository(tx).recoveryCodesLeft(accountId)) > 0) return { ok: true, value: null };
      const codes = await this.deps.recoveryCodes.replace(tx, accountId);
      this.deps.audit.record(tx, { type: 'recovery_codes.created', accountId, ip: context.ip, clientId: context.clientId });
      return { ok: true, value: codes };
    });
    return outcome.kind === 'succeeded' ? { kind: 'enrolled', result: outcome.result, recoveryCodes: outcome.value } : outcome;
  }

  /**
   * The gates every code entry passes, in the order of the password login: per-IP window, then the
   * account's delay, then the check in a transaction that also counts a failure or clears the delay and
   * writes the audit event, so the event exists exactly when its change does.
   */
  private async attempt<T>(
    accountId: string,
    method: SecondFactorMethod,
    context: AttemptContext,
    enrolment: boolean,
    check: (tx: EntityManager) => Promise<Check<T>>,
  ): Promise<{ kind: 'succeeded'; result: AuthenticatorResult; value: T } | { kind: 'failed' } | Limited> {
    const { em, throttle, limiter, audit } = this.deps;
    const where = { accountId, ip: context.ip, clientId: context.clientId };
    const failed = (tx: EntityManager, reason: string) =>
      audit.record(tx, { type: 'login.second_factor_failed', ...where, details: { method, reason, ...(enrolment ? { enrolment } : {}) } });
    const byIp = await limiter.hit('second-factor-ip', clientAddressKey(context.ip), this.deps.perIp);
    if (!byIp.allowed) {
      await em.fork().transactional(async (tx) => failed(tx, 'rate_limited'));
      return { kind: 'rate_limited', retryAfterSeconds: byIp.retryAfterSeconds };
    }
    const subject = throttle.subjectForAccount(accountId, 'second-factor');
    const state = await throttle.state(subject);
    if (state.waitSeconds > 0) {
      await em.fork().transactional(async (tx) => failed(tx, 'throttled'));
      return { kind: 'throttled', retryAfterSeconds: state.waitSeconds };
    }
    return em.fork().transactional(async (tx) => {
      const checked = await check(tx);
      if (!checked.ok) {
        await throttle.recordFailure(tx, subject);
        failed(tx, checked.reason);
        return { kind: 'failed' as const };
      }
      if (state.recorded) await throttle.clear(tx, subject);
      audit.record(tx, { type: 'login.second_factor_succeeded', ...where, details: { method, ...(enrolment ? { enrolment } : {}) } });
      const result: AuthenticatorResult = { accountId, method, amr: ['otp'], level: this.deps.level };
      return { kind: 'succeeded' as const, result, value: checked.value };
    });
  }

  private async hasEmailFactor(em: EntityManager, accountId: string): Promise<boolean> {
    return (await new CredentialRepository(em).summariesOf(accountId)).some((credential) => credential.type === 'email_code');
  }
}
