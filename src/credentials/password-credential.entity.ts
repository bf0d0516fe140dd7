import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

/** The account's password as an argon2id PHC string (algorithm parameters travel inside the hash). */
export const PasswordCredentialSchema = defineEntity({
  name: 'PasswordCredential',
  tableName: 'password_credential',
  properties: {
    account: () => p.oneToOne(Account).primary().deleteRule('cascade'),
    hash: p.string().length(255),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class PasswordCredential extends PasswordCredentialSchema.class {}
PasswordCredentialSchema.setClass(PasswordCredential);
