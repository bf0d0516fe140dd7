import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const ACCOUNT_STATUSES = ['pending', 'active', 'locked'] as const;
export const SALUTATIONS = ['ms', 'mr'] as const;

/**
 * A person's service account. `emailNormalized` (lower-cased) carries the uniqueness; `email` keeps the
 * spelling the person used. `username` stays empty while the deployment uses the e-mail as username.
 * A self-registered account is `pending` until its e-mail address is confirmed; pending accounts cannot log
 * in and are deleted when their confirmation period has passed.
 */
export const AccountSchema = defineEntity({
  name: 'Account',
  tableName: 'account',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    email: p.string().length(254),
    emailNormalized: p.string().length(254).unique(),
    emailVerified: p.boolean().default(false),
    username: p.string().length(100).nullable().unique(),
    salutation: p.enum(SALUTATIONS).nullable(),
    givenName: p.string().length(100),
    familyName: p.string().length(100),
    /** The deployment's extra profile fields (config registration.profileFields), by field name. */
    profile: p.json<Record<string, string | number | boolean>>().default('{}'),
    locale: p.string().length(5).default('de'),
    status: p.enum(ACCOUNT_STATUSES).default('active').index(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Account extends AccountSchema.class {}
AccountSchema.setClass(Account);
