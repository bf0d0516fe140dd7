import type { EntityManager } from '@mikro-orm/sql';
import type { ProfileField } from '../../config/registration.ts';
import type { TrustLevel } from '../trust/index.ts';
import type { AttributeSource } from './account-attribute.entity.ts';
import { attributeNameOf, claimValueOf } from './attributes.ts';

/** An attribute as the claims composer reads it. */
export interface StoredAttribute {
  name: string;
  value: unknown;
  level: TrustLevel;
  source: AttributeSource;
  verifiedAt: Date | null;
}

/** The claims (attribute names) every account can have, before the deployment's profile fields. */
const ACCOUNT_CLAIMS = ['given_name', 'family_name', 'gender', 'email', 'email_verified', 'locale'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  locale: string;
  name: string | null;
  value: unknown;
  level: TrustLevel | null;
  source: AttributeSource | null;
  verified_at: Date | string | null;
}

/**
 * The accounts domain as a contributor to the claims composer (src/consent): an active account's attributes,
 * read with one statement (the account's status joined with its attributes), since every ID token and
 * userinfo response asks.
 */
export class AccountAttributeReader {
  /** The attribute names this deployment's accounts can supply: the account's own and the mapped profile fields. */
  readonly supplies: readonly string[];
  private readonly em: EntityManager;
  private readonly profileFields: ProfileField[];

  constructor(em: EntityManager, profileFields: ProfileField[]) {
    this.em = em;
    this.profileFields = profileFields;
    this.supplies = [...ACCOUNT_CLAIMS, ...profileFields.flatMap((field) => (field.claim ? [field.claim] : []))];
  }

  /** The attributes of an active account; undefined when there is no such account (or it is pending or locked). */
  async attributesOf(accountId: string): Promise<StoredAttribute[] | undefined> {
    if (!UUID.test(accountId)) return undefined;
    const rows = await this.em
      .fork()
      .execute<Row[]>(
        `select a.locale, t.name, t.value, t.level, t.source, t.verified_at from account a left join account_attribute t on t.account_id = a.id where a.id = ? and a.status = 'active'`,
        [accountId],
        'all',
      );
    if (!rows.length) return undefined;
    const stored = rows.flatMap((row): StoredAttribute[] =>
      row.name && row.level && row.source
        ? [{ name: row.name, value: row.value, level: row.level, source: row.source, verifiedAt: row.verified_at ? new Date(row.verified_at) : null }]
        : [],
    );
    // The preferred UI language is a setting the person chose, not a verified fact: self-entered.
    const locale: StoredAttribute = { name: 'locale', value: rows[0]!.locale, level: 'basisregistrierung', source: 'self_entered', verifiedAt: null };
    return [...stored, ...this.mappedLater(stored), locale];
  }

  /**
   * Profile values stored before their field was mapped to a claim (the attribute migration copies every
   * profile field as `profile.<name>`): released under the claim the deployment now maps, unless a value
   * under the claim's own name exists.
   */
  private mappedLater(stored: StoredAttribute[]): StoredAttribute[] {
    const names = new Set(stored.map((attribute) => attribute.name));
    return this.profileFields.flatMap((field) => {
      const unmapped = stored.find((attribute) => attribute.name === `profile.${field.name}`);
      if (!field.claim || names.has(attributeNameOf(field)) || !unmapped) return [];
      return [{ ...unmapped, name: field.claim, value: claimValueOf(field, unmapped.value as string | number | boolean) }];
    });
  }
}
