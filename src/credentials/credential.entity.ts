import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

/**
 * The kinds of credential an account can hold. A new login means (eID card pseudonym, another state's
 * account, passkey) adds its name here and a migration widens the check constraint.
 */
export const CREDENTIAL_TYPES = ['password', 'totp', 'email_code', 'recovery_code', 'federated'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * One credential of an account (ARCHITECTURE.md "Authenticators": one model for every login means).
 * - `secretHash`: what is verified without being stored (the password as argon2id PHC, a recovery code as
 *   HMAC-SHA256 under a key derived from KONTOR_SECRET).
 * - `secretEncrypted`: what must be read back (the TOTP secret, AES-256-GCM bound to the row id).
 * - `identifier`: who the credential names upstream: for `federated`, the upstream's issuer and subject
 *   (`federatedIdentifier`), unique, so one upstream identity belongs to one account (later: card pseudonym).
 * - `lastUsedStep`: the newest RFC 6238 time step accepted, so a TOTP code never counts twice.
 * - `confirmedAt`: null while a TOTP enrolment waits for its first code.
 * - `lastUsedAt`: for a recovery code, the moment it was spent (it never works again).
 */
export const CredentialSchema = defineEntity({
  name: 'Credential',
  tableName: 'credential',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    type: p.enum(CREDENTIAL_TYPES),
    secretHash: p.string().length(255).nullable(),
    secretEncrypted: p.text().nullable(),
    identifier: p.string().length(512).nullable(),
    lastUsedStep: p.bigint('number').nullable(),
    confirmedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
  },
  // At most one password, one confirmed and one pending TOTP app, one e-mail factor per account; recovery
  // codes come ten at a time. Enforced by the database, so two concurrent enrolments cannot both win.
  uniques: [
    { name: 'credential_one_password', properties: ['account'], where: "type = 'password'" },
    { name: 'credential_one_totp', properties: ['account'], where: "type = 'totp' and confirmed_at is not null" },
    { name: 'credential_one_pending_totp', properties: ['account'], where: "type = 'totp' and confirmed_at is null" },
    { name: 'credential_one_email_code', properties: ['account'], where: "type = 'email_code'" },
    // OIDC Core §2: iss + sub is the only stable key of an upstream identity; never an e-mail or a name.
    { name: 'credential_federated_identity', properties: ['identifier'], where: "type = 'federated'" },
  ],
});

export class Credential extends CredentialSchema.class {}
CredentialSchema.setClass(Credential);

/** The identifier of an upstream identity: issuer and subject (OIDC Core §5.7: `sub` is unique only within its issuer). */
export function federatedIdentifier(issuer: string, subject: string): string {
  return `${issuer} ${subject}`;
}
