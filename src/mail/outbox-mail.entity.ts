import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * A mail written in the same transaction as the change that causes it, sent later by the dispatcher.
 * The rendered bodies carry single-use links, so they are stored encrypted (`sealedBody`); the subject and
 * the recipient stay readable for operators. `lockedUntil` is a lease: one instance sends a mail at a time.
 */
export const OutboxMailSchema = defineEntity({
  name: 'OutboxMail',
  tableName: 'mail_outbox',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    message: p.string().length(60),
    recipient: p.string().length(254),
    locale: p.string().length(5),
    subject: p.string().length(300),
    sealedBody: p.text(),
    status: p.enum(OUTBOX_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lockedUntil: p.datetime().nullable(),
    lastError: p.string().length(1000).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['status', 'nextAttemptAt'] }],
});

export class OutboxMail extends OutboxMailSchema.class {}
OutboxMailSchema.setClass(OutboxMail);
