import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { MEMBERSHIP_ROLES } from './membership.entity.ts';
import { Organisation } from './organisation.entity.ts';

export const INVITATION_STATUSES = ['pending', 'accepted', 'withdrawn'] as const;

/**
 * An invitation by e-mail to a person who may or may not have an account (seed 002). The link itself is a
 * verification token (`linkId`, purpose organisation_invitation, 24 h, single use, stored hashed);
 * accepting needs the invited address to be the account's confirmed one.
 */
export const InvitationSchema = defineEntity({
  name: 'OrganisationInvitation',
  tableName: 'organisation_invitation',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade').index(),
    email: p.string().length(254),
    emailNormalized: p.string().length(254),
    role: p.enum(MEMBERSHIP_ROLES),
    linkId: p.uuid().unique(),
    invitedBy: p.uuid(),
    status: p.enum(INVITATION_STATUSES).default('pending'),
    expiresAt: p.datetime(),
    acceptedBy: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationInvitation extends InvitationSchema.class {}
InvitationSchema.setClass(OrganisationInvitation);
