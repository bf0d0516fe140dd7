import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { Locale } from '../i18n/index.ts';
import type { Outbox } from '../mail/index.ts';
import type { VerificationService } from '../verification/index.ts';
import { Account } from './account.entity.ts';
import { AccountRepository } from './account.repository.ts';
import { mailGreeting } from './email.ts';

/** Who locks or unlocks: the person (account area, the mailed link) or an operator (CLI). */
export type LockActor = 'self' | 'operator';

export interface LockContext {
  actor: LockActor;
  ip?: string | null;
}

export interface LockDeps {
  em: EntityManager;
  verification: VerificationService;
  outbox: Outbox;
  audit: AuditLog;
  issuer: string;
  /** Lifetime of the mailed unlock link (config `account.unlockLinkDays`). */
  unlockLinkDays: number;
  /**
   * Ends everything of the account (sessions with back-channel logout, grants, tokens, interactions):
   * `signOut.endEverything(accountId, 'account_locked')`. Runs after the lock is committed, so no login can
   * start in between that the sweep would miss.
   */
  endEverything: (accountId: string) => Promise<number>;
}

/** `locked`: done now; `unchanged`: the account was not active (already locked, pending) or does not exist. */
export type LockOutcome = { kind: 'locked'; accountId: string; sessionsEnded: number } | { kind: 'unchanged'; status: string | null };
export type UnlockOutcome = { kind: 'unlocked'; accountId: string } | { kind: 'invalid' };

/**
 * Locking one's own account (seed 002 "Konto sperren", issue 17 item 8): a person who fears their account is
 * misused stops every way in at once. Status `locked`; everything the account holds at Kontor ends; a mail
 * carries a single-use link (purpose `account_unlock`, stored hashed) that unlocks it. The password still
 * identifies the owner (the login tells them the account is locked only after the right password), a reset
 * still sets a new one, but nothing lets anyone in until the link is used or an operator unlocks it.
 */
export class AccountLockService {
  private readonly deps: LockDeps;
  constructor(deps: LockDeps) {
    this.deps = deps;
  }

  /** Locks an active account: status, audit event, unlock link and mail in one transaction, then the sign-out. */
  async lock(accountId: string, context: LockContext): Promise<LockOutcome> {
    const { em, audit, outbox } = this.deps;
    let mailed = false;
    const refused = await em.fork().transactional(async (tx) => {
      const account = await new AccountRepository(tx).findById(accountId);
      if (account?.status !== 'active') return { status: account?.status ?? null };
      account.status = 'locked';
      // The lock stops what a suspected intruder started, not only their sessions: an open e-mail change goes to
      // an address of their choosing and would work again once the owner unlocks (then a reset to it takes over).
      await this.deps.verification.revokeOpen(tx, account.id, 'email_change');
      const link = await this.issueLink(tx, account);
      audit.record(tx, { type: 'account.locked', accountId, ip: context.ip ?? null, details: { by: context.actor } });
      // A dropped mail (the address's share used up) must not undo the lock; "send the link again" or the operator helps.
      mailed = await outbox.enqueue(tx, {
        message: 'account-locked',
        to: account.email,
        locale: localeOf(account.locale),
        data: this.linkData(account, link, context),
      });
      await tx.flush();
      return undefined;
    });
    if (refused) return { kind: 'unchanged', status: refused.status };
    if (mailed) outbox.written();
    return { kind: 'locked', accountId, sessionsEnded: await this.deps.endEverything(accountId) };
  }

  /** Whether an unlock link is still good (the page with the button is shown only then). */
  async peek(token: string): Promise<{ accountId: string; email: string } | null> {
    const subject = await this.deps.verification.peek(token, 'account_unlock');
    const account = subject ? await new AccountRepository(this.deps.em.fork()).findById(subject.accountId) : null;
    return account?.status === 'locked' ? { accountId: account.id, email: account.email } : null;
  }

  /** Uses the link: single use, atomically; the account becomes active and gets an "unlocked" mail. */
  async unlockWithLink(token: string, context: { ip?: string | null }): Promise<UnlockOutcome> {
    const { em, verification } = this.deps;
    const accountId = await em.fork().transactional(async (tx) => {
      const used = await verification.consume(tx, token, 'account_unlock');
      if (!used) return null;
      return (await this.activate(tx, used.accountId, { actor: 'self', ip: context.ip })) ? used.accountId : null;
    });
    if (!accountId) return { kind: 'invalid' };
    this.deps.outbox.written();
    return { kind: 'unlocked', accountId };
  }

  /** `kontor user unlock --email E`: unlocks a locked account; unchanged for any other status. */
  async unlockByOperator(email: string): Promise<{ kind: 'unlocked' | 'unchanged'; accountId: string | null; status: string | null }> {
    const result = await this.deps.em.fork().transactional(async (tx) => {
      const account = await new AccountRepository(tx).findByEmail(email);
      if (!account) return { kind: 'unchanged' as const, accountId: null, status: null };
      const done = await this.activate(tx, account.id, { actor: 'operator' });
      return { kind: done ? ('unlocked' as const) : ('unchanged' as const), accountId: account.id, status: done ? 'active' : account.status };
    });
    if (result.kind === 'unlocked') this.deps.outbox.written();
    return result;
  }

  /** `kontor user lock --email E`: like the person's own lock, with the operator as actor. */
  async lockByOperator(email: string): Promise<LockOutcome & { accountId?: string | null }> {
    const account = await new AccountRepository(this.deps.em.fork()).findByEmail(email);
    if (!account) return { kind: 'unchanged', status: null, accountId: null };
    return { ...(await this.lock(account.id, { actor: 'operator' })), accountId: account.id };
  }

  /**
   * "Send the unlock link again": mails a fresh link, replacing the open one, only when the login name
   * denotes a locked account, and only to that account's own address. The caller answers the same page
   * whatever happened (no enumeration) and applies the rate limits; `mayMail` false sends nothing.
   */
  async resendLink(identifier: string, context: { ip?: string | null; mayMail: boolean }): Promise<void> {
    const { em, audit, outbox } = this.deps;
    let mailed = false;
    await em.fork().transactional(async (tx) => {
      const account = await new AccountRepository(tx).findByLogin(identifier);
      if (account?.status !== 'locked') return;
      if (context.mayMail) {
        const link = await this.issueLink(tx, account);
        mailed = await outbox.enqueue(tx, {
          message: 'account-unlock-link',
          to: account.email,
          locale: localeOf(account.locale),
          data: this.linkData(account, link, { actor: 'self' }),
        });
      }
      audit.record(tx, { type: 'account.unlock_requested', accountId: account.id, ip: context.ip ?? null, details: { mailed } });
    });
    if (mailed) this.deps.outbox.written();
  }

  /** Sets a locked account active with its audit event and mail, inside the caller's transaction; false if it was not locked. */
  private async activate(tx: EntityManager, accountId: string, context: LockContext): Promise<boolean> {
    const account = await tx.findOne(Account, { id: accountId, status: 'locked' });
    if (!account) return false;
    account.status = 'active';
    // Whatever link is still open has done its job: a copy in the mailbox must not matter later.
    await this.deps.verification.revokeOpen(tx, account.id, 'account_unlock');
    this.deps.audit.record(tx, { type: 'account.unlocked', accountId, ip: context.ip ?? null, details: { by: context.actor } });
    await this.deps.outbox.enqueue(tx, {
      message: 'account-unlocked',
      to: account.email,
      locale: localeOf(account.locale),
      data: { ...mailGreeting(account), byOperator: context.actor === 'operator', loginUrl: `${this.deps.issuer}/account` },
    });
    await tx.flush();
    return true;
  }

  /** A new link replaces the open one: only the newest mail counts. */
  private async issueLink(tx: EntityManager, account: Account): Promise<string> {
    await this.deps.verification.revokeOpen(tx, account.id, 'account_unlock');
    return this.deps.verification.issue(tx, {
      purpose: 'account_unlock',
      accountId: account.id,
      ttlSeconds: this.deps.unlockLinkDays * 86_400,
      target: account.email,
    });
  }

  private linkData(account: Account, token: string, context: Pick<LockContext, 'actor'>) {
    return {
      ...mailGreeting(account),
      link: `${this.deps.issuer}/account/unlock?token=${token}`,
      days: this.deps.unlockLinkDays,
      byOperator: context.actor === 'operator',
    };
  }
}

function localeOf(value: string): Locale {
  return value === 'en' ? 'en' : 'de';
}
