import type { EntityManager } from '@mikro-orm/sql';
import { Account } from './account.entity.ts';
import { normalizeEmail } from './email.ts';

/** Matches the account a login name denotes: the e-mail (case-insensitive) or the exact username. */
export function loginFilter(identifier: string) {
  const trimmed = identifier.trim();
  return { $or: [{ emailNormalized: normalizeEmail(trimmed) }, { username: trimmed }] };
}

export class AccountRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  findById(id: string): Promise<Account | null> {
    return this.em.findOne(Account, { id });
  }

  /** The account a login name (e-mail address or username) denotes. */
  findByLogin(identifier: string): Promise<Account | null> {
    return this.em.findOne(Account, loginFilter(identifier));
  }

  findByEmail(email: string): Promise<Account | null> {
    return this.em.findOne(Account, { emailNormalized: normalizeEmail(email) });
  }
}
