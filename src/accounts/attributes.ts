import type { EntityManager } from '@mikro-orm/sql';
import type { ProfileField } from '../../config/registration.ts';
import { higherOf, type TrustLevel } from '../trust/index.ts';
import { AccountAttribute, ATTRIBUTE_SOURCES, type AttributeSource } from './account-attribute.entity.ts';
import type { ProfileValue } from './profile-fields.ts';

/** One attribute as a service writes it. */
export interface AttributeWrite {
  name: string;
  value: unknown;
  level: TrustLevel;
  source: AttributeSource;
  /** Which upstream (its configured id) when `source` is `upstream`. */
  sourceRef?: string | null;
  verifiedAt?: Date | null;
}

/** The salutation names the gender the person gave (OIDC Core §5.1 `gender`); an eID read never sets it. */
const GENDER_OF_SALUTATION = { ms: 'female', mr: 'male' } as const;

/**
 * The attributes of what a person typed in at registration (or an operator entered): all self-entered, so
 * `basisregistrierung` (TRUST-AND-CLAIMS.md). The e-mail's confirmation is its own fact, `email_verified`.
 */
export function enteredAttributes(
  person: { givenName: string; familyName: string; salutation?: 'ms' | 'mr' | null; email: string; emailVerified: boolean },
  source: 'self_entered' | 'operator',
  now: Date,
): AttributeWrite[] {
  const entered = (name: string, value: unknown): AttributeWrite => ({ name, value, level: 'basisregistrierung', source });
  const emailSource = person.emailVerified && source === 'self_entered' ? 'email_confirmed' : source;
  return [
    entered('given_name', person.givenName),
    entered('family_name', person.familyName),
    ...(person.salutation ? [entered('gender', GENDER_OF_SALUTATION[person.salutation])] : []),
    { name: 'email', value: person.email, level: 'basisregistrierung', source: emailSource, verifiedAt: person.emailVerified ? now : null },
    { name: 'email_verified', value: person.emailVerified, level: 'basisregistrierung', source: emailSource, verifiedAt: person.emailVerified ? now : null },
  ];
}

/** The attribute name of a profile field: its claim when the deployment maps one, else `profile.<name>`. */
export function attributeNameOf(field: ProfileField): string {
  return field.claim ?? `profile.${field.name}`;
}

/** A profile field's value in its claim's shape (`nationalities` is an array; `birthdate` a YYYY or YYYY-MM-DD string). */
export function claimValueOf(field: ProfileField, value: ProfileValue): unknown {
  if (!field.claim) return value;
  return field.claim === 'nationalities' ? [String(value)] : String(value);
}

/** The deployment's profile fields as self-entered attributes. */
export function profileAttributes(fields: ProfileField[], profile: Record<string, ProfileValue>): AttributeWrite[] {
  return fields
    .filter((field) => profile[field.name] !== undefined)
    .map((field) => ({ name: attributeNameOf(field), value: claimValueOf(field, profile[field.name]!), level: 'basisregistrierung', source: 'self_entered' }));
}

/**
 * Writes attributes in the caller's transaction. The same value from a stronger source raises the level (and
 * takes that source); a weaker one never lowers it. A changed value replaces the old one with its new source's
 * level, lower or not: the old verification was about the old value.
 */
export async function upsertAttributes(tx: EntityManager, accountId: string, writes: AttributeWrite[]): Promise<void> {
  if (!writes.length) return;
  const existing = await tx.find(AccountAttribute, { account: accountId, name: { $in: writes.map((write) => write.name) } });
  const byName = new Map(existing.map((row) => [row.name, row]));
  for (const write of writes) {
    const row = byName.get(write.name);
    if (!row) {
      tx.create(AccountAttribute, {
        account: accountId,
        ...write,
        sourceRef: write.sourceRef ?? null,
        verifiedAt: write.verifiedAt ?? null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      continue;
    }
    if (JSON.stringify(row.value) !== JSON.stringify(write.value)) {
      Object.assign(row, {
        value: write.value,
        level: write.level,
        source: write.source,
        sourceRef: write.sourceRef ?? null,
        verifiedAt: write.verifiedAt ?? null,
      });
    } else if (stronger(write, row)) {
      Object.assign(row, {
        level: higherOf(row.level, write.level),
        source: write.source,
        sourceRef: write.sourceRef ?? null,
        verifiedAt: write.verifiedAt ?? row.verifiedAt,
      });
    }
  }
  await tx.flush();
}

/** Whether a write of the same value comes from a stronger source than the stored one (level first, then source). */
function stronger(write: AttributeWrite, row: AccountAttribute): boolean {
  if (higherOf(write.level, row.level) !== row.level) return true;
  return write.level === row.level && ATTRIBUTE_SOURCES.indexOf(write.source) > ATTRIBUTE_SOURCES.indexOf(row.source);
}

/** Deletes attributes in the caller's transaction (a value the person cleared: no fact is left to keep). */
export async function removeAttributes(tx: EntityManager, accountId: string, names: string[]): Promise<void> {
  if (names.length) await tx.nativeDelete(AccountAttribute, { account: accountId, name: { $in: names } });
}
