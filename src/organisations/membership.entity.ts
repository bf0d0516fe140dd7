import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';
import { Organisation } from './organisation.entity.ts';

export const MEMBERSHIP_ROLES = ['admin', 'member'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/**
 * A person in an organisation: `admin` (any number, equal rights, seed 001) or `member`. Deleting the account
 * or the organisation removes the membership; the account itself is never touched from here.
 */
export const MembershipSchema = defineEntity({
  name: 'OrganisationMembership',
  tableName: 'organisation_membership',
  uniques: [{ properties: ['organisation', 'account'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade'),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    role: p.enum(MEMBERSHIP_ROLES),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationMembership extends MembershipSchema.class {}
MembershipSchema.setClass(OrganisationMembership);
