import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';
import { Organisation } from './organisation.entity.ts';

/**
 * The organisation a person in several chose for one client during a login, remembered per client and
 * changeable (issue 19): the organisations contributor releases `sk_org` for it.
 */
export const OrganisationChoiceSchema = defineEntity({
  name: 'OrganisationChoice',
  tableName: 'organisation_choice',
  uniques: [{ properties: ['account', 'clientId'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    account: () => p.manyToOne(Account).deleteRule('cascade'),
    clientId: p.string().length(255),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade').index(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class OrganisationChoice extends OrganisationChoiceSchema.class {}
OrganisationChoiceSchema.setClass(OrganisationChoice);
