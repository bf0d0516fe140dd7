import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import { Account } from './account.entity.ts';
import { AccountRepository } from './account.repository.ts';
import { enteredAttributes, upsertAttributes } from './attributes.ts';
import { emailAddress, normalizeEmail } from './email.ts';
import { accountDataOf, type AccountDataPart } from './account-export.ts';

export const operatorAccountInput = z.object({
  email: emailAddress,
  password: z.string().min(8, 'password must have at least 8 characters').max(128),
  givenName: z.string().trim().min(1).max(100),
  familyName: z.string().trim().min(1).max(100),
  locale: z.enum(['de', 'en']).default('de'),
});
export type OperatorAccountInput = z.input<typeof operatorAccountInput>;

/** Sets a password inside the caller's transaction (the credentials domain owns that table). */
export type PasswordSetter = (em: EntityManager, accountId: string, password: string) => Promise<void>;

export class AccountService {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /**
   * Creates an account whose e-mail counts as verified: for operators (CLI), tests and the dev seed.
   * Citizens register through the registration flow instead.
   */
  async createVerified(input: OperatorAccountInput, setPassword: PasswordSetter): Promise<Account> {
    const parsed = operatorAccountInput.safeParse(input);
    if (!parsed.success) {
      throw new AppError(
        'account.invalid_input',
        400,
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      );
    }
    const data = parsed.data;
    return this.em.fork().transactional(async (em) => {
      if (await new AccountRepository(em).findByEmail(data.email)) throw new AppError('account.email_taken', 409, [data.email]);
      const account = em.create(Account, {
        email: data.email,
        emailNormalized: normalizeEmail(data.email),
        emailVerified: true,
        givenName: data.givenName,
        familyName: data.familyName,
        locale: data.locale,
        status: 'active',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      await em.flush();
      // The account's name and address columns stay for pages and mail greetings; the claims composer reads
      // the attributes. Both are written here, in one transaction, so they never disagree.
      await upsertAttributes(em, account.id, enteredAttributes({ ...data, emailVerified: true }, 'operator', new Date()));
      await setPassword(em, account.id, data.password);
      return account;
    });
  }

  findById(id: string): Promise<Account | null> {
    return new AccountRepository(this.em.fork()).findById(id);
  }

  findByEmail(email: string): Promise<Account | null> {
    return new AccountRepository(this.em.fork()).findByEmail(email);
  }

  /** The account's own data for "my data" (the account area's export); undefined for an unknown id. */
  exportOf(id: string): Promise<AccountDataPart | undefined> {
    return accountDataOf(this.em.fork(), id);
  }

  /** How pages name the person ("Angemeldet als …"): the full name, else the address. */
  async displayName(id: string): Promise<string | undefined> {
    const account = await this.findById(id);
    if (!account) return undefined;
    return `${account.givenName} ${account.familyName}`.trim() || account.email;
  }
}
