import type { EntityManager } from '@mikro-orm/sql';
import { loginFilter } from '../accounts/index.ts';
import { PasswordCredential } from './password-credential.entity.ts';
import type { PasswordHasher } from './password-hasher.ts';

/** What every login means reports (Kratos-style): who, how (RFC 8176 amr) and the trust level reached. */
export interface AuthenticationResult {
  accountId: string;
  amr: string[];
  level: 'niedrig' | 'substanziell' | 'hoch';
}

/**
 * The outcome of a password check. `unconfirmed` is only reported to someone who knew the password, so it
 * reveals nothing an attacker could not already do with the account.
 */
export type PasswordCheck =
  | { kind: 'valid'; result: AuthenticationResult; email: string; username: string | null }
  | { kind: 'unconfirmed'; accountId: string; email: string }
  /** `accountId` when the name belongs to an account (audit trail only; never shown). */
  | { kind: 'invalid'; accountId?: string };

/** Password login. One generic failure for unknown user, wrong password and locked account. */
export class PasswordService {
  private readonly em: EntityManager;
  private readonly hasher: PasswordHasher;

  constructor(em: EntityManager, hasher: PasswordHasher) {
    this.em = em;
    this.hasher = hasher;
  }

  async check(identifier: string, password: string): Promise<PasswordCheck> {
    const em = this.em.fork();
    // One query whether or not the account exists, so the database round trips reveal nothing either.
    const credential = await em.findOne(PasswordCredential, { account: loginFilter(identifier) }, { populate: ['account'] });
    const account = credential?.account;
    if (!account || !credential) return this.hasher.verifyAgainstDummy(password).then(() => ({ kind: 'invalid' }));
    const valid = await this.hasher.verify(credential.hash, password);
    if (!valid || account.status === 'locked') return { kind: 'invalid', accountId: account.id };
    if (account.status === 'pending') return { kind: 'unconfirmed', accountId: account.id, email: account.email };
    if (this.hasher.needsRehash(credential.hash)) {
      credential.hash = await this.hasher.hash(password);
      await em.flush();
    }
    return { kind: 'valid', result: { accountId: account.id, amr: ['pwd'], level: 'niedrig' }, email: account.email, username: account.username ?? null };
  }

  /**
   * Whether `password` is the password of this account, whatever its status (confirming a pending
   * registration by password). An account without a password costs the same as one with.
   */
  async verifyFor(accountId: string, password: string): Promise<boolean> {
    const credential = await this.em.fork().findOne(PasswordCredential, { account: accountId });
    if (!credential) return this.hasher.verifyAgainstDummy(password);
    return this.hasher.verify(credential.hash, password);
  }

  /** Hashes a password for later storage (registration hashes on its first step; the clear text goes nowhere). */
  hash(password: string): Promise<string> {
    return this.hasher.hash(password);
  }

  /** Sets (or replaces) the account's password inside the caller's transaction. */
  async setPassword(em: EntityManager, accountId: string, password: string): Promise<void> {
    await this.storeHash(em, accountId, await this.hasher.hash(password));
  }

  /** Stores a hash made by {@link hash} inside the caller's transaction. */
  async storeHash(em: EntityManager, accountId: string, hash: string): Promise<void> {
    const existing = await em.findOne(PasswordCredential, { account: accountId });
    if (existing) existing.hash = hash;
    else em.create(PasswordCredential, { account: accountId, hash, createdAt: new Date(), updatedAt: new Date() });
  }
}
