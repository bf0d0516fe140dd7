import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';
import { Organisation } from './organisation.entity.ts';

export const REQUEST_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A person asks to join an organisation whose data they entered exactly (seed 002 "Beitrittsanfrage"). */
export const JoinRequestSchema = defineEntity({
  name: 'OrganisationJoinRequest',
  tableName: 'organisation_join_request',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organisation: () => p.manyToOne(Organisation).deleteRule('cascade').index(),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    status: p.enum(REQUEST_STATUSES).default('pending'),
    decidedBy: p.uuid().nullable(),
    decidedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class OrganisationJoinRequest extends JoinRequestSchema.class {}
JoinRequestSchema.setClass(OrganisationJoinRequest);
