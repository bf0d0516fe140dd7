import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

/**
 * Links (`email_confirmation`, `password_reset`, `email_change`: confirms a new address, which is the token's
 * `target`; `organisation_invitation`: addressed to an e-mail, possibly without an account yet; `account_unlock`)
 * and six-digit codes (`login_code`, `enrol_email_code`).
 */
export const VERIFICATION_PURPOSES = [
  'email_confirmation',
  'password_reset',
  'login_code',
  'enrol_email_code',
  'email_change',
  'organisation_invitation',
  'account_unlock',
] as const;
export type VerificationPurpose = (typeof VERIFICATION_PURPOSES)[number];

/**
 * A single-use link token or code. Only a hash is stored: someone reading the database cannot use a
 * pending link or code (links: SHA-256 of 256 random bits; codes: HMAC-SHA256 under a key derived from
 * KONTOR_SECRET, since a plain hash of six digits is reversed by trying all of them). `interactionUid` and
 * `clientId` remember where the person came from, to send them back; `target` is the address the link or
 * code went to (null on rows from before it was recorded); `attempts` counts wrong entries of a code.
 * `account` is empty only for links to an address that may have no account yet (an organisation's
 * invitation): such a link stands for its `target` address.
 */
export const VerificationTokenSchema = defineEntity({
  name: 'VerificationToken',
  tableName: 'verification_token',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    purpose: p.enum(VERIFICATION_PURPOSES),
    account: () => p.manyToOne(Account).deleteRule('cascade').index().nullable(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime().index(),
    usedAt: p.datetime().nullable(),
    interactionUid: p.string().length(64).nullable(),
    clientId: p.string().length(255).nullable(),
    target: p.string().length(254).nullable(),
    attempts: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class VerificationToken extends VerificationTokenSchema.class {}
VerificationTokenSchema.setClass(VerificationToken);
