import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { REQUEST_STATUSES } from './join-request.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import { Organisation } from './organisation.entity.ts';

/** A member asks for roles of a service the organisation uses, with a justification (seed 002 "Rolle beantragen"). */
export const RoleRequestSchema = defineEntity({
  name: 'OrganisationRoleRequest',
  tableName: 'organisation_role_request',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade').index(),
    membership: () => p.manyToOne(OrganisationMembership).deleteRule('cascade').index(),
    clientId: p.string().length(255),
    roles: p.json<string[]>(),
    justification: p.string().length(1000),
    status: p.enum(REQUEST_STATUSES).default('pending'),
    decidedBy: p.uuid().nullable(),
    decidedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationRoleRequest extends RoleRequestSchema.class {}
RoleRequestSchema.setClass(OrganisationRoleRequest);
