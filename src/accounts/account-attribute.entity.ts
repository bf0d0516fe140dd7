import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { TRUST_LEVELS } from '../trust/index.ts';
import { Account } from './account.entity.ts';

/**
 * Where an attribute's value came from. Only a stronger source raises its level (TRUST-AND-CLAIMS.md: "Adding a
 * stronger login means does not raise attribute levels; only an eID read does").
 */
export const ATTRIBUTE_SOURCES = ['self_entered', 'email_confirmed', 'operator', 'upstream', 'eid'] as const;
export type AttributeSource = (typeof ATTRIBUTE_SOURCES)[number];

/**
 * One fact about a person with its provenance: `name` is a claim name (`given_name`, `address.locality`) or
 * `profile.<field>` for a deployment's profile field that maps to no claim (never released). `level` is how the
 * value was verified, independent of any login.
 */
export const AccountAttributeSchema = defineEntity({
  name: 'AccountAttribute',
  tableName: 'account_attribute',
  uniques: [{ properties: ['account', 'name'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    name: p.string().length(80),
    value: p.json<unknown>(),
    level: p.enum(TRUST_LEVELS),
    source: p.enum(ATTRIBUTE_SOURCES),
    /** Which one of its kind the source was, where there are several: the upstream's id (`upstream`). */
    sourceRef: p.string().length(80).nullable(),
    verifiedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class AccountAttribute extends AccountAttributeSchema.class {}
AccountAttributeSchema.setClass(AccountAttribute);
