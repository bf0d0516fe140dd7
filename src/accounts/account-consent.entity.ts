import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';

/**
 * A consent decision made at registration (privacy terms, optional consents): which text version was
 * shown, whether the person agreed, and when. Declined optional consents are recorded too.
 */
export const AccountConsentSchema = defineEntity({
  name: 'AccountConsent',
  tableName: 'account_consent',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    consentId: p.string().length(40),
    version: p.string().length(40),
    granted: p.boolean(),
    decidedAt: p.datetime(),
  },
});

export class AccountConsent extends AccountConsentSchema.class {}
AccountConsentSchema.setClass(AccountConsent);
