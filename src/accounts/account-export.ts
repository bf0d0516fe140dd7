import type { EntityManager } from '@mikro-orm/sql';
import { Account } from './account.entity.ts';
import { AccountAttribute } from './account-attribute.entity.ts';
import { AccountConsent } from './account-consent.entity.ts';

/** This domain's part of "my data" (GDPR Art. 15/20): plain data, dates as ISO 8601, no entity leaves. */
export interface AccountDataPart {
  account: {
    id: string;
    email: string;
    emailVerified: boolean;
    username: string | null;
    salutation: string | null;
    givenName: string;
    familyName: string;
    locale: string;
    status: string;
    createdAt: string;
    updatedAt: string;
  };
  /** The deployment's extra profile fields as entered. */
  profile: Record<string, string | number | boolean>;
  /** Every attribute with its provenance: what the claims composer releases from. */
  attributes: Array<{ name: string; value: unknown; level: string; source: string; sourceRef: string | null; verifiedAt: string | null; updatedAt: string }>;
  /** The consent decisions made at registration, with the text version shown. */
  registrationConsents: Array<{ consent: string; version: string; granted: boolean; decidedAt: string }>;
}

/** Reads the account's own rows (account, account_attribute, account_consent); undefined for an unknown id. */
export async function accountDataOf(em: EntityManager, accountId: string): Promise<AccountDataPart | undefined> {
  const account = await em.findOne(Account, { id: accountId });
  if (!account) return undefined;
  const attributes = await em.find(AccountAttribute, { account: accountId }, { orderBy: { name: 'asc' } });
  const consents = await em.find(AccountConsent, { account: accountId }, { orderBy: { decidedAt: 'asc', consentId: 'asc' } });
  return {
    account: {
      id: account.id,
      email: account.email,
      emailVerified: account.emailVerified,
      username: account.username ?? null,
      salutation: account.salutation ?? null,
      givenName: account.givenName,
      familyName: account.familyName,
      locale: account.locale,
      status: account.status,
      createdAt: account.createdAt.toISOString(),
      updatedAt: account.updatedAt.toISOString(),
    },
    profile: { ...account.profile },
    attributes: attributes.map((attribute) => ({
      name: attribute.name,
      value: attribute.value,
      level: attribute.level,
      source: attribute.source,
      sourceRef: attribute.sourceRef ?? null,
      verifiedAt: attribute.verifiedAt ? attribute.verifiedAt.toISOString() : null,
      updatedAt: attribute.updatedAt.toISOString(),
    })),
    registrationConsents: consents.map((consent) => ({
      consent: consent.consentId,
      version: consent.version,
      granted: consent.granted,
      decidedAt: consent.decidedAt.toISOString(),
    })),
  };
}
