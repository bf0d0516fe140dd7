import type { EntityManager } from '@mikro-orm/sql';
import { mailGreeting, type AccountService } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ReleaseLedger } from '../consent/index.ts';
import type { CredentialService } from '../credentials/index.ts';
import type { Outbox } from '../mail/index.ts';
import { forgetAccountArtifacts, type AccountSignOut } from '../oidc/index.ts';
import type { LoginThrottleService, RateLimiter } from '../rate-limits/index.ts';
import type { VerificationService } from '../verification/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { AccountAreaSessions } from './account-area-sessions.ts';
import { deletedAccountPseudonym } from './account-pseudonym.ts';

export interface AccountDeletionDeps {
  em: EntityManager;
  /** The account area's own sessions (brief A: table account_area_session). */
  areaSessions: Pick<AccountAreaSessions, 'forgetAccount'>;
  secret: string;
  accounts: AccountService;
  credentials: CredentialService;
  verification: VerificationService;
  signOut: AccountSignOut;
  loginThrottle: LoginThrottleService;
  rateLimiter: RateLimiter;
  outbox: Outbox;
  releases: ReleaseLedger;
  audit: AuditLog;
  /**
   * Refusals before anything happens (a step's rule that must hold before the portals are told): throws an
   * AppError that the deletion page shows. The organisations' last-admin rule is one.
   */
  precheck?: (accountId: string) => Promise<void>;
}

/** What the steps know of the account being deleted, read before its rows go. */
export interface DeletedAccount {
  id: string;
  pseudonym: string;
  email: string;
  username: string | null;
  /** Every value the person could be recognised by: address, login name, names. */
  personal: string[];
}

/** One domain's part of the deletion, in the deletion's transaction; returns the rows it removed or rewrote. */
export type DeletionStep = (tx: EntityManager, account: DeletedAccount) => Promise<number>;

/**
 * Deletes an account at once (issue 17 item 9; seed 001: "Ihr Konto wird mit allen zugeordneten Daten sofort
 * gelöscht. Ihre E-Mail-Adresse steht sofort wieder für eine neue Registrierung … zur Verfügung"; GDPR
 * Art. 17). First the portals are told (back-channel logout, with the sign-out's own transaction), then every
 * domain forgets the account in one transaction, through its own method (a domain never writes another's
 * tables), then one pseudonymous `account.deleted` event and the confirmation mail are written in the same
 * transaction. Nothing stays that makes the address "taken".
 */
export class AccountDeletionService {
  private readonly deps: AccountDeletionDeps;
  private readonly steps: Array<[name: string, step: DeletionStep]>;

  constructor(deps: AccountDeletionDeps, extraSteps: Array<[name: string, step: DeletionStep]> = []) {
    this.deps = deps;
    const { accounts, areaSessions, credentials, verification, loginThrottle, rateLimiter, outbox, releases, audit } = deps;
    // The steps, in order. A domain that comes to hold data about an account (organisations and their
    // memberships, federation's links live in `credential` already) adds its step here or through
    // `extraSteps`; the account row itself goes last but one, the
    // audit trail last, so it also scrubs what the steps before recorded.
    this.steps = [
      ['oidc', (tx, account) => forgetAccountArtifacts(tx, account.id, [account.email, ...(account.username ? [account.username] : [])])],
      ['account-area', (tx, account) => areaSessions.forgetAccount(tx, account.id)],
      ...extraSteps,
      ['credentials', (tx, account) => credentials.forgetAccount(tx, account.id)],
      ['verification', (tx, account) => verification.forgetAccount(tx, account.id)],
      // The keys those services count under: login names (LoginService), the second factor's per-account
      // key (SecondFactorService), resend and reset per address (interactions/email-confirmation.ts,
      // password-reset.ts). Per-IP counters are not about the account and stay.
      ['login-throttle', (tx, account) => loginThrottle.forgetAccount(tx, loginNames(account), account.id, ['second-factor'])],
      [
        'rate-limits',
        (tx, account) =>
          rateLimiter.forget(
            tx,
            loginNames(account).flatMap((name) => [
              { scope: 'resend-account', subject: name.toLowerCase() },
              { scope: 'reset-account', subject: name.includes('@') ? name.toLowerCase() : name },
            ]),
          ),
      ],
      ['mail', (tx, account) => outbox.forgetRecipient(tx, account.email, account.pseudonym)],
      ['ledger', (tx, account) => releases.forgetAccount(tx, account.id, account.pseudonym)],
      ['account', (tx, account) => accounts.forgetAccount(tx, account.id)],
      ['audit', (tx, account) => audit.forgetAccount(tx, account.id, account.pseudonym, account.personal)],
    ];
  }

  /** The pseudonym the account's ledger and audit rows carry once it is deleted (for operators' look-ups). */
  pseudonymOf(accountId: string): string {
    return deletedAccountPseudonym(this.deps.secret, accountId);
  }

  /** Deletes the account; returns its pseudonym. Throws `account.delete.not_found` for an unknown id. */
  async delete(accountId: string, context: { ip?: string | null; clientId?: string | null } = {}): Promise<string> {
    const { em, accounts, signOut, outbox, audit } = this.deps;
    const found = await accounts.findById(accountId);
    if (!found) throw new AppError('account.delete.not_found', 404);
    await this.deps.precheck?.(accountId);
    const account: DeletedAccount = {
      id: found.id,
      pseudonym: this.pseudonymOf(found.id),
      email: found.email,
      username: found.username ?? null,
      personal: [found.email, found.username, found.givenName, found.familyName].filter((value): value is string => Boolean(value?.trim())),
    };
    // Portals first (OIDC Back-Channel Logout 1.0 §2.5): they are told while the sessions still exist.
    await signOut.endEverything(account.id, 'account_deleted');
    await em.fork().transactional(async (tx) => {
      const counts: Record<string, number> = {};
      for (const [name, step] of this.steps) counts[name] = await step(tx, account);
      // Pseudonymous from the start; no address, no ip: the event is about an account that no longer exists.
      audit.record(tx, { type: 'account.deleted', accountId: account.pseudonym, clientId: context.clientId ?? null, details: { rows: counts } });
      // The confirmation goes to the former address and forgets it once sent (MailRequest.forgetRecipientAs).
      // A drop by the per-recipient cap cannot happen (forgetRecipient reset it) and would not undo the deletion.
      await outbox.enqueue(tx, {
        message: 'account-deleted',
        to: account.email,
        locale: found.locale === 'en' ? 'en' : 'de',
        data: { ...mailGreeting(found) },
        forgetRecipientAs: account.pseudonym,
      });
    });
    outbox.written();
    return account.pseudonym;
  }
}

/** The names a login could have been attempted under: the address and, in username mode, the username. */
function loginNames(account: DeletedAccount): string[] {
  return [account.email, ...(account.username ? [account.username] : [])];
}
