import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { OrganisationGroup } from './group.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import { Organisation } from './organisation.entity.ts';

export const SUBSCRIPTION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * An organisation's use of a service (a client): approved at once when the client's `sk_org_approval` is
 * automatic, else pending until its responsible authority decides (seed 001 "Fachliche Leitstelle").
 * `decidedBy` is `automatic`, `operator` (the CLI) or an account id.
 */
export const SubscriptionSchema = defineEntity({
  name: 'OrganisationSubscription',
  tableName: 'organisation_subscription',
  uniques: [{ properties: ['organisation', 'clientId'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade'),
    clientId: p.string().length(255).index(),
    status: p.enum(SUBSCRIPTION_STATUSES),
    decidedBy: p.string().length(64).nullable(),
    decidedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationSubscription extends SubscriptionSchema.class {}
SubscriptionSchema.setClass(OrganisationSubscription);

/**
 * A service given to one member or one group (exactly one of the two), with roles from the client's
 * catalogue (possibly none: "Berechtigt" without "Zusätzliche Rollen", seed 001). Without an assignment,
 * direct or through a group, a member cannot use the service (seed 002).
 */
export const AssignmentSchema = defineEntity({
  name: 'OrganisationServiceAssignment',
  tableName: 'organisation_service_assignment',
  uniques: [{ properties: ['membership', 'clientId'] }, { properties: ['group', 'clientId'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade').index(),
    membership: () => p.manyToOne(OrganisationMembership).deleteRule('cascade').nullable(),
    group: () => p.manyToOne(OrganisationGroup).deleteRule('cascade').nullable(),
    clientId: p.string().length(255),
    roles: p.json<string[]>().default('[]'),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class OrganisationServiceAssignment extends AssignmentSchema.class {}
AssignmentSchema.setClass(OrganisationServiceAssignment);
