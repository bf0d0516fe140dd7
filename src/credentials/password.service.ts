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

/** Password login. One generic failure (null) for unknown user, wrong password and locked account. */
export class PasswordService {
  private readonly em: EntityManager;
  private readonly hasher: PasswordHasher;

  constructor(em: EntityManager, hasher: PasswordHasher) {
    this.em = em;
    this.hasher = hasher;
  }

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult | null> {
    const em = this.em.fork();
    // One query whether or not the account exists, so the database round trips reveal nothing either.
    const credential = await em.findOne(PasswordCredential, { account: loginFilter(identifier) }, { populate: ['account'] });
    const account = credential?.account;
    if (!account || !credential) return this.hasher.verifyAgainstDummy(password).then(() => null);
    const valid = await this.hasher.verify(credential.hash, password);
    if (!valid || account.status !== 'active' || !account.emailVerified) return null;
    if (this.hasher.needsRehash(credential.hash)) {
      credential.hash = await this.hasher.hash(password);
      await em.flush();
    }
    return { accountId: account.id, amr: ['pwd'], level: 'niedrig' };
  }

  /** Sets (or replaces) the account's password. */
  async setPassword(em: EntityManager, accountId: string, password: string): Promise<void> {
    const hash = await this.hasher.hash(password);
    const existing = await em.findOne(PasswordCredential, { account: accountId });
    if (existing) existing.hash = hash;
    else em.create(PasswordCredential, { account: accountId, hash, createdAt: new Date(), updatedAt: new Date() });
  }
}
