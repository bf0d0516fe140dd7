import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/**
 * What happened to whom, written in the same transaction as the change. `accountId` is deliberately no
 * foreign key: the trail outlives a deleted account, whose rows then carry the deletion's pseudonym
 * (`deleted:…`, hence text, not uuid) instead. `details` never holds secrets, tokens or passwords.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    type: p.string().length(60).index(),
    accountId: p.string().length(80).nullable().index(),
    clientId: p.string().length(255).nullable(),
    ip: p.string().length(64).nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .onCreate(() => new Date())
      .index(),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
