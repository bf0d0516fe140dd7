import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import { Account } from './account.entity.ts';
import { AccountAttribute } from './account-attribute.entity.ts';
import { AccountConsent } from './account-consent.entity.ts';
import { AccountRepository } from './account.repository.ts';
import { enteredAttributes, upsertAttributes, type AttributeWrite } from './attributes.ts';
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

/** What a federated first arrival creates (see {@link AccountService.createFederated}). */
export interface FederatedAccountInput {
  email: string;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  locale: 'de' | 'en';
  attributes: AttributeWrite[];
  consents: { id: string; version: string; granted: boolean }[];
}

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

  /**
   * Creates the account of a person who arrived from another state's service account, in the caller's
   * transaction: names and address from the upstream's claims, each attribute at the level the upstream's
   * trust mapping gives it, and the deployment's consents as the person decided them on the first-arrival
   * page. An address already used by an account here is refused (`federation.email_taken`): Kontor never
   * links by e-mail, and one address names one account.
   */
  async createFederated(tx: EntityManager, input: FederatedAccountInput): Promise<string> {
    if (await new AccountRepository(tx).findByEmail(input.email)) throw new AppError('federation.email_taken', 409);
    const now = new Date();
    const account = tx.create(Account, {
      email: input.email,
      emailNormalized: normalizeEmail(input.email),
      emailVerified: input.emailVerified,
      givenName: input.givenName.slice(0, 100),
      familyName: input.familyName.slice(0, 100),
      locale: input.locale,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    });
    for (const consent of input.consents) {
      tx.create(AccountConsent, { account: account.id, consentId: consent.id, version: consent.version, granted: consent.granted, decidedAt: now });
    }
    await tx.flush();
    await upsertAttributes(tx, account.id, input.attributes);
    return account.id;
  }

  /**
   * Records a birth date an operator entered (YYYY-MM-DD, OIDC Core §5.1 `birthdate`; self-declared level):
   * the development seed gives the demo account one so that it can register the demo organisation, whose
   * first admin must be of age (issue 19). Deployments set it through a profile field instead.
   */
  async recordOperatorBirthdate(accountId: string, birthdate: string): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(birthdate)) throw new AppError('account.invalid_input', 400, ['birthdate: YYYY-MM-DD']);
    await this.em
      .fork()
      .transactional((tx) => upsertAttributes(tx, accountId, [{ name: 'birthdate', value: birthdate, level: 'basisregistrierung', source: 'operator' }]));
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

  /**
   * Account deletion's step for this domain (issue 17 item 9, GDPR Art. 17), in the caller's transaction:
   * consents, attributes and the account row. The foreign keys cascade, but each table is named so that
   * the deletion does not depend on a constraint someone may change. Returns the rows deleted.
   */
  async forgetAccount(tx: EntityManager, accountId: string): Promise<number> {
    const consents = await tx.nativeDelete(AccountConsent, { account: accountId });
    const attributes = await tx.nativeDelete(AccountAttribute, { account: accountId });
    const account = await tx.nativeDelete(Account, { id: accountId });
    return consents + attributes + account;
  }
}
