import type { EntityManager } from '@mikro-orm/sql';
import { CredentialRepository } from './credential.repository.ts';
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
  /** The right password for an account its owner (or an operator) locked: only then is "locked" said. */
  | { kind: 'locked'; accountId: string }
  /** `accountId` when the name belongs to an account (audit trail only; never shown). */
  | { kind: 'invalid'; accountId?: string };

/**
 * Password login. One generic failure for unknown user and wrong password; a locked or unconfirmed account is
 * named only to someone who gave its password (nothing an attacker without it learns: no enumeration).
 */
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
    const credential = await new CredentialRepository(em).passwordForLogin(identifier);
    const account = credential?.account;
    const hash = credential?.secretHash;
    if (!account || !credential || !hash) return this.hasher.verifyAgainstDummy(password).then(() => ({ kind: 'invalid' }));
    const valid = await this.hasher.verify(hash, password);
    if (!valid) return { kind: 'invalid', accountId: account.id };
    if (account.status === 'locked') return { kind: 'locked', accountId: account.id };
    if (account.status === 'pending') return { kind: 'unconfirmed', accountId: account.id, email: account.email };
    if (this.hasher.needsRehash(hash)) {
      credential.secretHash = await this.hasher.hash(password);
      await em.flush();
    }
    return { kind: 'valid', result: { accountId: account.id, amr: ['pwd'], level: 'niedrig' }, email: account.email, username: account.username ?? null };
  }

  /**
   * Whether `password` is the password of this account, whatever its status (confirming a pending
   * registration by password). An account without a password costs the same as one with.
   */
  async verifyFor(accountId: string, password: string): Promise<boolean> {
    const hash = (await new CredentialRepository(this.em.fork()).passwordOf(accountId))?.secretHash;
    if (!hash) return this.hasher.verifyAgainstDummy(password);
    return this.hasher.verify(hash, password);
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
    await new CredentialRepository(em).storePassword(accountId, hash);
  }
}
