import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/**
 * A person's service account. `emailNormalized` (lower-cased) carries the uniqueness; `email` keeps the
 * spelling the person used. `username` stays empty while the deployment uses the e-mail as username.
 */
export const AccountSchema = defineEntity({
  name: 'Account',
  tableName: 'account',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    email: p.string().length(254),
    emailNormalized: p.string().length(254).unique(),
    emailVerified: p.boolean().default(false),
    username: p.string().length(100).nullable().unique(),
    givenName: p.string().length(100),
    familyName: p.string().length(100),
    locale: p.string().length(5).default('de'),
    status: p.enum(['active', 'locked'] as const).default('active'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class Account extends AccountSchema.class {}
AccountSchema.setClass(Account);
