import type { EntityManager } from '@mikro-orm/sql';
import { Account } from './account.entity.ts';
import { normalizeEmail } from './email.ts';

export class AccountRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  findById(id: string): Promise<Account | null> {
    return this.em.findOne(Account, { id });
  }

  /** The login name is the e-mail (case-insensitive) or, in username mode, the exact username. */
  findByLogin(identifier: string): Promise<Account | null> {
    const trimmed = identifier.trim();
    return this.em.findOne(Account, { $or: [{ emailNormalized: normalizeEmail(trimmed) }, { username: trimmed }] });
  }

  findByEmail(email: string): Promise<Account | null> {
    return this.em.findOne(Account, { emailNormalized: normalizeEmail(email) });
  }
}
