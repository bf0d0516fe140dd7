import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

export const VERIFICATION_PURPOSES = ['email_confirmation', 'password_reset'] as const;
export type VerificationPurpose = (typeof VERIFICATION_PURPOSES)[number];

/**
 * A single-use link token. Only its SHA-256 hash is stored: someone reading the database cannot use a
 * pending link. `interactionUid` and `clientId` remember where the person came from, to send them back.
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
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime().index(),
    usedAt: p.datetime().nullable(),
    interactionUid: p.string().length(64).nullable(),
    clientId: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class VerificationToken extends VerificationTokenSchema.class {}
VerificationTokenSchema.setClass(VerificationToken);
