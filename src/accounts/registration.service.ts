import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ConsentDefinition } from '../../config/registration.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Locale } from '../i18n/index.ts';
import { MailDropped, type Outbox } from '../mail/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { TokenSubject, VerificationService } from '../verification/index.ts';
import { Account, type SALUTATIONS } from './account.entity.ts';
import { AccountRepository } from './account.repository.ts';
import { AccountConsent } from './account-consent.entity.ts';
import { enteredAttributes, profileAttributes, upsertAttributes } from './attributes.ts';
import { mailGreeting, NEUTRAL_GREETING, normalizeEmail } from './email.ts';
import type { ProfileValue } from './profile-fields.ts';
import { checkDraft, type DraftRules } from './registration-rules.ts';
import { systemClock, type Clock } from '../shared/clock.ts';

/** Everything the registration steps collected; the password only as its argon2id hash. */
export interface RegistrationDraft {
  salutation: (typeof SALUTATIONS)[number] | null;
  givenName: string;
  familyName: string;
  email: string;
  username: string | null;
  passwordHash: string;
  profile: Record<string, ProfileValue>;
}

export interface RegistrationContext {
  ip: string;
  locale: Locale;
  interactionUid?: string | null;
  clientId?: string | null;
}

/** Stores a password hash inside the caller's transaction (the credentials domain owns that table). */
export type PasswordHashStore = (em: EntityManager, accountId: string, hash: string) => Promise<void>;

/** Whether `password` is the account's password (the credentials domain owns the hash). */
export type PasswordVerifier = (accountId: string, password: string) => Promise<boolean>;

/**
 * What proves that the person confirming an address is the person who registered it (and set its
 * password): the registration cookie of this very registration in this browser, or the password itself.
 * Clicking the link alone proves only access to the mailbox, and anyone can start a registration for
 * any address.
 */
export type ConfirmationProof = { kind: 'registering-browser'; accountId: string } | { kind: 'password'; password: string };

export type ConfirmOutcome = { kind: 'confirmed'; registration: ConfirmedRegistration } | { kind: 'invalid' } | { kind: 'wrong_password' };

export interface RegistrationDeps {
  em: EntityManager;
  storePasswordHash: PasswordHashStore;
  verifyPassword: PasswordVerifier;
  verification: VerificationService;
  outbox: Outbox;
  audit: AuditLog;
  consents: ConsentDefinition[];
  /** What a complete draft must contain (username mode, the deployment's profile fields). */
  rules: DraftRules;
  issuer: string;
  confirmationHours: number;
  /** Judges the confirmation period; tests advance it (default: the wall clock). */
  clock?: Clock;
  /**
   * The name of the portal (OIDC client) the registration came through, named in its mails; undefined without a
   * client. Called before the transaction: on PGlite a second connection inside one hangs.
   */
  portalName?: (clientId: string | null | undefined) => Promise<string | undefined>;
}

export interface ConfirmedRegistration extends TokenSubject {
  email: string;
}

/**
 * Self-registration with e-mail confirmation. `register` behaves the same towards the caller whether or
 * not the address has an account: a new address gets a confirmation link, a registered one a "you already
 * have an account" mail. A pending (unconfirmed) registration of the same address is replaced.
 */
export class RegistrationService {
  private readonly deps: RegistrationDeps;
  constructor(deps: RegistrationDeps) {
    this.deps = deps;
  }

  /** A taken username can be told (people must pick another); e-mail addresses never are. */
  async usernameTaken(username: string): Promise<boolean> {
    return (await this.deps.em.fork().count(Account, { username, status: { $ne: 'pending' } })) > 0;
  }

  /**
   * Creates a pending account, or mails the owner of an existing one. Returns the new account's id (null
   * for an existing address) for the caller's resume cookie, never for display.
   */
  async register(input: Partial<RegistrationDraft>, granted: Set<string>, context: RegistrationContext): Promise<{ accountId: string | null }> {
    // The whole draft, every step's rules: the steps' own checks are a convenience, this one is the gate.
    const draft = checkDraft(input, this.deps.rules);
    const missing = this.deps.consents.filter((consent) => consent.required && !granted.has(consent.id));
    if (missing.length)
      throw new AppError(
        'registration.consent_required',
        400,
        missing.map((consent) => consent.id),
      );
    const { em, outbox, audit, issuer } = this.deps;
    const audited = { ip: context.ip, clientId: context.clientId ?? null };
    const portal = await this.deps.portalName?.(context.clientId);
    try {
      const outcome = await em.fork().transactional(async (tx) => {
        const existing = await new AccountRepository(tx).findByEmail(draft.email);
        if (existing && existing.status !== 'pending') {
          const mailed = await outbox.enqueue(tx, {
            message: 'registration-exists',
            to: existing.email,
            locale: existing.locale === 'en' ? 'en' : 'de',
            data: { ...mailGreeting(existing), forgotLink: `${issuer}/password/forgot`, username: existing.username, portal },
          });
          audit.record(tx, { type: 'account.registration_repeated', accountId: existing.id, ...audited, details: { mailed } });
          return { accountId: null };
        }
        if (existing) {
          tx.remove(existing);
          await tx.flush();
        }
        if (draft.username && (await tx.count(Account, { username: draft.username })) > 0) throw new AppError('registration.username_taken', 409);
        const now = (this.deps.clock ?? systemClock).now();
        const account = tx.create(Account, {
          email: draft.email,
          emailNormalized: normalizeEmail(draft.email),
          emailVerified: false,
          username: draft.username,
          salutation: draft.salutation,
          givenName: draft.givenName,
          familyName: draft.familyName,
          profile: draft.profile,
          locale: context.locale,
          status: 'pending',
          createdAt: now,
          updatedAt: now,
        });
        await tx.flush();
        // The columns serve pages and mail greetings, the attributes the claims composer: written together.
        await upsertAttributes(tx, account.id, [
          ...enteredAttributes({ ...draft, emailVerified: false }, 'self_entered', now),
          ...profileAttributes(this.deps.rules.profileFields, draft.profile),
        ]);
        await this.deps.storePasswordHash(tx, account.id, draft.passwordHash);
        for (const consent of this.deps.consents) {
          tx.create(AccountConsent, { account: account.id, consentId: consent.id, version: consent.version, granted: granted.has(consent.id), decidedAt: now });
        }
        // No link can reach the address in this window: undo, so a pending registration it replaced stays.
        await this.mailConfirmationLink(tx, account, context.locale, context, portal);
        audit.record(tx, {
          type: 'account.registered',
          accountId: account.id,
          ...audited,
          details: { replacedPending: Boolean(existing), consents: [...granted] },
        });
        return { accountId: account.id };
      });
      outbox.written();
      return outcome;
    } catch (error) {
      // The caller sees the same as for a sent mail; the outbox has logged the drop.
      if (error instanceof MailDropped) return { accountId: null };
      // Two registrations of one address or username racing: the loser is asked to try again.
      if (error instanceof UniqueConstraintViolationException) throw new AppError('registration.conflict', 409);
      throw error;
    }
  }

  /** Whether a confirmation link is still good (the page with the confirm button is shown only then). */
  peek(token: string): Promise<TokenSubject | null> {
    return this.deps.verification.peek(token, 'email_confirmation');
  }

  /** A confirmation link opened again after it worked: its subject while the account is active, else null. */
  async alreadyConfirmed(token: string): Promise<TokenSubject | null> {
    const used = await this.deps.verification.usedSubject(token, 'email_confirmation');
    if (!used) return null;
    const account = await new AccountRepository(this.deps.em.fork()).findById(used.accountId);
    return account?.status === 'active' ? used : null;
  }

  /**
   * Confirms the address and activates the account, if `proof` shows the confirming person registered it
   * (see {@link ConfirmationProof}): whoever confirms is the one whose password counts. `invalid` for an
   * invalid, used or expired link or a cookie naming another registration.
   */
  async confirm(token: string, context: { ip: string }, proof: ConfirmationProof): Promise<ConfirmOutcome> {
    const { em, verification, audit } = this.deps;
    // A token names one account for good, so checking the proof against a peek is as good as inside.
    const pending = await verification.peek(token, 'email_confirmation');
    if (!pending) return { kind: 'invalid' };
    if (proof.kind === 'registering-browser' && proof.accountId !== pending.accountId) return { kind: 'invalid' };
    // Verified before the transaction: nothing slow holds the token row.
    if (proof.kind === 'password' && !(await this.deps.verifyPassword(pending.accountId, proof.password))) return { kind: 'wrong_password' };
    const confirmed = await em.fork().transactional(async (tx) => {
      const subject = await verification.consume(tx, token, 'email_confirmation');
      if (!subject) return null;
      const account = await new AccountRepository(tx).findById(subject.accountId);
      if (!account) return null;
      account.status = account.status === 'pending' ? 'active' : account.status;
      account.emailVerified = true;
      // The address is now confirmed: the same value from a stronger source (column and attribute together).
      const now = (this.deps.clock ?? systemClock).now();
      await upsertAttributes(tx, account.id, [
        { name: 'email', value: account.email, level: 'basisregistrierung', source: 'email_confirmed', verifiedAt: now },
        { name: 'email_verified', value: true, level: 'basisregistrierung', source: 'email_confirmed', verifiedAt: now },
      ]);
      await verification.revokeOpen(tx, account.id, 'email_confirmation');
      audit.record(tx, { type: 'account.confirmed', accountId: account.id, ip: context.ip, clientId: subject.clientId, details: { proof: proof.kind } });
      return { ...subject, email: account.email };
    });
    return confirmed ? { kind: 'confirmed', registration: confirmed } : { kind: 'invalid' };
  }

  /**
   * Completes the login of the interaction the person registered in, once the address is confirmed (the
   * caller has checked this browser registered the account). Null unless the account is active.
   */
  async loginAfterConfirmation(
    accountId: string,
    context: { ip: string; clientId?: string | null },
  ): Promise<{ accountId: string; amr: string[]; level: 'niedrig' } | null> {
    const { em, audit } = this.deps;
    return em.fork().transactional(async (tx) => {
      const account = await tx.findOne(Account, { id: accountId, status: 'active' });
      if (!account) return null;
      // The password was chosen (and hashed) in this very interaction, in this browser: a password login.
      audit.record(tx, {
        type: 'login.succeeded',
        accountId,
        ip: context.ip,
        clientId: context.clientId ?? null,
        details: { amr: ['pwd'], level: 'niedrig', via: 'registration' },
      });
      return { accountId, amr: ['pwd'], level: 'niedrig' as const };
    });
  }

  /**
   * Sends a new confirmation link if the address has a pending registration; does nothing visible
   * otherwise. The new link replaces older ones and gives the registration another full period.
   */
  async resend(email: string, context: RegistrationContext & { mayMail: boolean }): Promise<void> {
    const { em, verification, outbox } = this.deps;
    const portal = await this.deps.portalName?.(context.clientId);
    let wrote = false;
    await em
      .fork()
      .transactional(async (tx) => {
        const account = await tx.findOne(Account, { emailNormalized: normalizeEmail(email), status: 'pending' });
        if (!account || !context.mayMail) return;
        await verification.revokeOpen(tx, account.id, 'email_confirmation');
        // Dropped: the link mailed before must stay valid, so nothing of this may be committed.
        await this.mailConfirmationLink(tx, account, account.locale === 'en' ? 'en' : 'de', context, portal);
        wrote = true;
      })
      .catch((error: unknown) => {
        if (!(error instanceof MailDropped)) throw error;
      });
    if (wrote) outbox.written();
  }

  /**
   * Issues a confirmation link and mails it in the caller's transaction, greeting neutrally (the address is
   * not confirmed yet). Throws MailDropped when the address had its share of this mail: the caller's
   * transaction must then roll back, so no link exists that nobody received.
   */
  private async mailConfirmationLink(
    tx: EntityManager,
    account: Account,
    locale: Locale,
    origin: RegistrationContext,
    portal: string | undefined,
  ): Promise<void> {
    const { verification, outbox, confirmationHours, issuer } = this.deps;
    const token = verification.issue(tx, {
      purpose: 'email_confirmation',
      accountId: account.id,
      ttlSeconds: confirmationHours * 3600,
      interactionUid: origin.interactionUid,
      clientId: origin.clientId,
    });
    const mailed = await outbox.enqueue(tx, {
      message: 'registration-confirm',
      to: account.email,
      locale,
      data: { ...NEUTRAL_GREETING, link: `${issuer}/register/confirm?token=${token}`, hours: confirmationHours, portal },
    });
    if (!mailed) throw new MailDropped('registration-confirm');
  }

  /**
   * Deletes registrations left unconfirmed: pending accounts older than the confirmation period with no
   * link still valid. Personal data goes with them (consents, credentials and tokens cascade).
   */
  async purgeUnconfirmed(): Promise<number> {
    const { em, audit, confirmationHours } = this.deps;
    const now = (this.deps.clock ?? systemClock).now();
    return em.fork().transactional(async (tx) => {
      // Pending past the period (this domain's table), less those whose link is still good (the
      // verification domain's): a domain never reads another's tables.
      const stale = await tx.execute<Array<{ id: string }>>(
        `select id from account where status = 'pending' and created_at < ?::timestamptz - make_interval(hours => ?) for update`,
        [now, confirmationHours],
        'all',
      );
      const linked = await this.deps.verification.withOpenToken(
        tx,
        stale.map((row) => row.id),
        'email_confirmation',
      );
      const purged = stale.map((row) => row.id).filter((id) => !linked.has(id));
      if (purged.length) await tx.nativeDelete(Account, { id: { $in: purged }, status: 'pending' });
      for (const accountId of purged) audit.record(tx, { type: 'account.unconfirmed_purged', accountId });
      return purged.length;
    });
  }
}
