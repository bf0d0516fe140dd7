import type { EntityManager } from '@mikro-orm/sql';
import type { PasswordPolicy } from '../../config/registration.ts';
import { AccountRepository, emailAddress, mailGreeting, passwordViolations, type PersonalDetails } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Locale } from '../i18n/index.ts';
import { MailDropped, type Outbox } from '../mail/index.ts';
import type { LoginThrottleService } from '../rate-limits/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { TokenSubject, VerificationService } from '../verification/index.ts';
import type { PasswordService } from './password.service.ts';

export interface ResetRequest {
  /** E-mail address or username, as on the login form. */
  identifier: string;
  ip: string;
  locale: Locale;
  interactionUid?: string | null;
  clientId?: string | null;
  /** False when the per-account mail limit is reached: the page stays the same, no mail goes out. */
  mayMail: boolean;
}

export interface ResetDeps {
  em: EntityManager;
  passwords: PasswordService;
  verification: VerificationService;
  outbox: Outbox;
  audit: AuditLog;
  throttle: LoginThrottleService;
  policy: PasswordPolicy;
  issuer: string;
  resetMinutes: number;
  /** Ends every login session of the account (back-channel logout included). */
  endSessions: (accountId: string) => Promise<number>;
  /**
   * The name of the portal (OIDC client) the reset came through, named in its mails; undefined without a
   * client. Called before the transaction: on PGlite a second connection inside one hangs.
   */
  portalName?: (clientId: string | null | undefined) => Promise<string | undefined>;
}

/**
 * Forgotten password: a single-use link valid `resetMinutes`, never a new password by mail. The request
 * looks the same whether or not an account exists; an unknown e-mail address gets a mail saying so.
 */
export class PasswordResetService {
  private readonly deps: ResetDeps;
  constructor(deps: ResetDeps) {
    this.deps = deps;
  }

  async request(request: ResetRequest): Promise<void> {
    const { em, verification, outbox, audit, issuer, resetMinutes } = this.deps;
    const identifier = request.identifier.trim();
    const portal = await this.deps.portalName?.(request.clientId);
    let wrote = false;
    await em
      .fork()
      .transactional(async (tx) => {
        const account = await new AccountRepository(tx).findByLogin(identifier);
        if (account && resettable(account.status)) {
          if (request.mayMail) {
            await verification.revokeOpen(tx, account.id, 'password_reset');
            const token = verification.issue(tx, {
              purpose: 'password_reset',
              accountId: account.id,
              ttlSeconds: resetMinutes * 60,
              interactionUid: request.interactionUid,
              clientId: request.clientId,
              target: account.email,
            });
            const mailed = await outbox.enqueue(tx, {
              message: 'password-reset',
              to: account.email,
              locale: localeOf(account.locale),
              data: { ...mailGreeting(account), link: `${issuer}/password/reset?token=${token}`, minutes: resetMinutes, portal },
            });
            // Dropped: the link mailed before must stay valid, so nothing of this may be committed.
            if (!mailed) throw new MailDropped('password-reset');
            wrote = true;
          }
          audit.record(tx, {
            type: 'password.reset_requested',
            accountId: account.id,
            ip: request.ip,
            clientId: request.clientId,
            details: { mailed: request.mayMail },
          });
        } else if (!account && emailAddress.safeParse(identifier).success) {
          // The same number of mails as for a known address: the sender learns nothing from their mailbox count.
          if (request.mayMail)
            wrote = await outbox.enqueue(tx, {
              message: 'password-reset-unknown',
              to: identifier,
              locale: request.locale,
              data: { registerHint: true, portal },
            });
          audit.record(tx, { type: 'password.reset_requested', ip: request.ip, clientId: request.clientId, details: { known: false, mailed: wrote } });
        } else {
          audit.record(tx, {
            type: 'password.reset_requested',
            accountId: account?.id ?? null,
            ip: request.ip,
            clientId: request.clientId,
            details: { known: Boolean(account), mailed: false },
          });
        }
      })
      .catch((error: unknown) => {
        if (!(error instanceof MailDropped)) throw error;
      });
    if (wrote) outbox.written();
  }

  /**
   * Whether a reset link is still good (the form is shown only then), with the address it is for and the
   * details the new password must not contain.
   */
  async peek(token: string): Promise<(TokenSubject & { email: string; person: PersonalDetails }) | null> {
    const subject = await this.deps.verification.peek(token, 'password_reset');
    const found = subject ? await new AccountRepository(this.deps.em.fork()).findById(subject.accountId) : null;
    const account = found && resettable(found.status) ? found : null;
    if (!subject || !account) return null;
    return {
      ...subject,
      email: account.email,
      person: { email: account.email, username: account.username, givenName: account.givenName, familyName: account.familyName },
    };
  }

  /**
   * Sets the new password if the link is valid and unused; ends all the account's sessions and mails a
   * notice. Returns null for an invalid, used or expired link.
   */
  async reset(token: string, password: string, context: { ip: string }): Promise<TokenSubject | null> {
    const { em, passwords, verification, outbox, audit, throttle, policy } = this.deps;
    // A bad, used or expired link costs no hash: one indexed select first (the hash is the expensive part,
    // ~19 MiB and ~25 ms of a thread-pool thread). The consume below still decides, atomically.
    const link = await this.peek(token);
    if (!link) return null;
    const violations = passwordViolations(policy, password, link.person);
    if (violations.length)
      throw new AppError(
        'password.policy',
        400,
        violations.map((rule) => rule.key),
      );
    // Hash before the transaction: nothing slow holds the row lock.
    const hash = await passwords.hash(password);
    const portal = await this.deps.portalName?.(link.clientId);
    const subject = await em.fork().transactional(async (tx) => {
      const used = await verification.consume(tx, token, 'password_reset');
      if (!used) return null;
      const account = await new AccountRepository(tx).findById(used.accountId);
      if (!account || !resettable(account.status)) return null;
      await passwords.storeHash(tx, account.id, hash);
      await verification.revokeOpen(tx, account.id, 'password_reset');
      // An e-mail change an intruder started (to their address) must not outlive the password they used.
      await verification.revokeOpen(tx, account.id, 'email_change');
      for (const name of [account.email, account.username].filter((value): value is string => Boolean(value))) {
        await throttle.clear(tx, throttle.subjectFor(name, undefined));
      }
      // A dropped notice (the address's share used up) must not undo the reset; the outbox logs it.
      await outbox.enqueue(tx, {
        message: 'password-changed',
        to: account.email,
        locale: localeOf(account.locale),
        data: { ...mailGreeting(account), forgotLink: `${this.deps.issuer}/password/forgot`, portal },
      });
      audit.record(tx, { type: 'password.reset_completed', accountId: account.id, ip: context.ip, clientId: used.clientId });
      return used;
    });
    if (!subject) return null;
    outbox.written();
    await this.deps.endSessions(subject.accountId);
    return subject;
  }
}

/**
 * A locked account can still reset its password (issue 17 item 8): the owner who locked it because someone
 * else may know the old one wants a new one before unlocking. The reset never unlocks; only the mailed
 * unlock link or an operator does (docs/account-area.md).
 */
function resettable(status: string | undefined): boolean {
  return status === 'active' || status === 'locked';
}

function localeOf(value: string): Locale {
  return value === 'en' ? 'en' : 'de';
}
