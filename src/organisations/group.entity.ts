import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { OrganisationMembership } from './membership.entity.ts';
import { Organisation } from './organisation.entity.ts';

/** A named set of members who get the same services and roles (seed 001 "Gruppenverwaltung"). */
export const GroupSchema = defineEntity({
  name: 'OrganisationGroup',
  tableName: 'organisation_group',
  uniques: [{ properties: ['organisation', 'name'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade'),
    name: p.string().length(60),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationGroup extends GroupSchema.class {}
GroupSchema.setClass(OrganisationGroup);

/** A member of a group; goes with the group and with the membership. */
export const GroupMemberSchema = defineEntity({
  name: 'OrganisationGroupMember',
  tableName: 'organisation_group_member',
  uniques: [{ properties: ['group', 'membership'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    group: () => p.manyToOne(OrganisationGroup).deleteRule('cascade'),
    membership: () => p.manyToOne(OrganisationMembership).deleteRule('cascade').index(),
  },
});

export class OrganisationGroupMember extends GroupMemberSchema.class {}
GroupMemberSchema.setClass(OrganisationGroupMember);
