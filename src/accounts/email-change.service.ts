import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { Locale } from '../i18n/index.ts';
import type { Outbox } from '../mail/index.ts';
import { clientAddressKey, type RateLimiter, type RateRule } from '../rate-limits/index.ts';
import { AppError } from '../shared/app-error.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import type { VerificationService } from '../verification/index.ts';
import { Account } from './account.entity.ts';
import { upsertAttributes } from './attributes.ts';
import { emailAddress, mailGreeting, NEUTRAL_GREETING, normalizeEmail } from './email.ts';

export interface EmailChangeDeps {
  em: EntityManager;
  verification: VerificationService;
  outbox: Outbox;
  audit: AuditLog;
  limiter: RateLimiter;
  limits: { perIp: RateRule; perAccount: RateRule };
  issuer: string;
  /** Lifetime of the confirmation link (seed 001 and issue 17: 24 hours). */
  hours: number;
  /** IANA zone of the time named in the information mail. */
  timeZone: string;
  clock?: Clock;
}

/**
 * The outbox dropped the link's mail (the address had its share): the transaction rolls back. Our own class, not
 * MailDropped: src/mail imports this domain, and a value import back would close a cycle.
 */
class LinkNotMailed extends Error {}

export type EmailChangeRequestOutcome = { kind: 'requested' } | { kind: 'limited'; retryAfterSeconds: number };
export type EmailChangeOutcome = { kind: 'changed'; accountId: string } | { kind: 'invalid' } | { kind: 'taken' };

/** "n***@example.org": enough for the owner of the old address to recognise a request, not to learn the new address. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, Math.min(1, at))}***${email.slice(at)}`;
}

/**
 * Changing the login address (seed 001 "E-Mail-Adresse ändern", steps 1–10): a link to the new address
 * proves it is the person's; until it is used the old address stays the login. A request for an address
 * that already has an account looks exactly like one for a free address (same outcome, same mail to the old
 * address), but no link exists for it: the page must not tell anyone which addresses have accounts.
 */
export class EmailChangeService {
  private readonly deps: EmailChangeDeps;
  constructor(deps: EmailChangeDeps) {
    this.deps = deps;
  }

  /**
   * Starts a change to `newEmail` (already the same address twice, checked by the form). Throws
   * `AppError` with an e-mail rule's code for a malformed address and `account.email_change_same` for the
   * current one; otherwise `requested`, whether or not the address is free. A new request replaces an open one.
   */
  async requestEmailChange(accountId: string, newEmail: string, context: { ip: string; locale: Locale }): Promise<EmailChangeRequestOutcome> {
    const parsed = emailAddress.safeParse(newEmail);
    if (!parsed.success) throw new AppError(parsed.error.issues[0]?.message ?? 'account.email_invalid', 400);
    const email = parsed.data;
    const { em, verification, outbox, audit, limiter, limits, issuer, hours } = this.deps;
    for (const [scope, subject, rule] of [
      ['email-change-ip', clientAddressKey(context.ip), limits.perIp],
      ['email-change-account', accountId, limits.perAccount],
    ] as const) {
      const decision = await limiter.hit(scope, subject, rule);
      if (!decision.allowed) return { kind: 'limited', retryAfterSeconds: decision.retryAfterSeconds };
    }
    const now = (this.deps.clock ?? systemClock).now();
    let wrote = false;
    await em
      .fork()
      .transactional(async (tx) => {
        const account = await tx.findOne(Account, { id: accountId, status: 'active' });
        if (!account) throw new AppError('account.not_found', 404);
        if (account.emailNormalized === normalizeEmail(email)) throw new AppError('account.email_change_same', 400);
        // Replaced on both paths: an older link that kept working only after a taken address would tell.
        await verification.revokeOpen(tx, account.id, 'email_change');
        const taken = (await tx.count(Account, { emailNormalized: normalizeEmail(email) })) > 0;
        const locale = account.locale === 'en' ? 'en' : 'de';
        if (!taken) {
          const token = verification.issue(tx, { purpose: 'email_change', accountId, ttlSeconds: hours * 3600, target: email });
          const mailed = await outbox.enqueue(tx, {
            message: 'email-change-confirm',
            to: email,
            locale,
            // Neutral: the requester picks the address, so the mail must not carry text of theirs (see NEUTRAL_GREETING).
            data: { ...NEUTRAL_GREETING, link: `${issuer}/account/email/confirm?token=${token}`, hours },
          });
          // No link may exist that nobody received; the open one it replaced stays.
          if (!mailed) throw new LinkNotMailed();
        }
        // Sent for a taken address too: the requester reads this mailbox and must see the same there.
        await outbox.enqueue(tx, {
          message: 'email-change-requested',
          to: account.email,
          locale,
          data: { ...mailGreeting(account), masked: maskAddress(email), time: this.formatTime(now, locale), hours },
        });
        audit.record(tx, { type: 'email.change_requested', accountId, ip: context.ip, details: { linkSent: !taken } });
        wrote = true;
      })
      .catch((error: unknown) => {
        if (!(error instanceof LinkNotMailed)) throw error;
      });
    if (wrote) outbox.written();
    return { kind: 'requested' };
  }

  /** Whether a change link is still good (the page with the confirm button is shown only then). */
  async peek(token: string): Promise<{ accountId: string } | null> {
    const subject = await this.deps.verification.peek(token, 'email_change');
    return subject?.target ? { accountId: subject.accountId } : null;
  }

  /**
   * Uses a change link: the account's address becomes the link's target, confirmed now (column and
   * attributes together), and a notice goes to the old address. `taken` when another account got the
   * address in the meantime (the link is used up either way), `invalid` for an unknown, used or expired link.
   */
  async confirmEmailChange(token: string, context: { ip: string }): Promise<EmailChangeOutcome> {
    const { em, verification, outbox, audit } = this.deps;
    const now = (this.deps.clock ?? systemClock).now();
    try {
      const outcome = await em.fork().transactional(async (tx): Promise<EmailChangeOutcome> => {
        const subject = await verification.consume(tx, token, 'email_change');
        if (!subject?.target) return { kind: 'invalid' };
        const account = await tx.findOne(Account, { id: subject.accountId, status: 'active' });
        if (!account) return { kind: 'invalid' };
        const email = subject.target;
        if ((await tx.count(Account, { emailNormalized: normalizeEmail(email), id: { $ne: account.id } })) > 0) return { kind: 'taken' };
        const old = { email: account.email, locale: (account.locale === 'en' ? 'en' : 'de') as Locale };
        Object.assign(account, { email, emailNormalized: normalizeEmail(email), emailVerified: true });
        await tx.flush();
        await upsertAttributes(tx, account.id, [
          { name: 'email', value: email, level: 'basisregistrierung', source: 'email_confirmed', verifiedAt: now },
          { name: 'email_verified', value: true, level: 'basisregistrierung', source: 'email_confirmed', verifiedAt: now },
        ]);
        // A reset link mailed to the old address must not outlive it: whoever reads that mailbox later holds no key.
        await verification.revokeOpen(tx, account.id, 'password_reset');
        await verification.revokeOpen(tx, account.id, 'email_change');
        await outbox.enqueue(tx, {
          message: 'email-changed',
          to: old.email,
          locale: old.locale,
          data: { ...mailGreeting(account), masked: maskAddress(email) },
        });
        audit.record(tx, { type: 'email.changed', accountId: account.id, ip: context.ip });
        return { kind: 'changed', accountId: account.id };
      });
      if (outcome.kind === 'changed') outbox.written();
      return outcome;
    } catch (error) {
      // Another account took the address between the check and the update.
      if (error instanceof UniqueConstraintViolationException) return { kind: 'taken' };
      throw error;
    }
  }

  private formatTime(at: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'long', timeStyle: 'short', timeZone: this.deps.timeZone }).format(at);
  }
}
