import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const SIGNING_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * A signing key; the private JWK is stored encrypted with KONTOR_SECRET. Per algorithm, the newest key
 * whose `activatesAt` has passed signs. A key is published from its creation (so relying parties can cache
 * it before it signs) until `publishUntil`, which rotation sets on the key it supersedes; the current key
 * has none.
 */
export const SigningKeySchema = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_key',
  properties: {
    kid: p
      .string()
      .length(64)
      .primary()
      .onCreate(() => randomUUID()),
    alg: p.enum(SIGNING_ALGORITHMS),
    encryptedJwk: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
    activatesAt: p.datetime(),
    publishUntil: p.datetime().nullable(),
  },
});

export class SigningKey extends SigningKeySchema.class {}
SigningKeySchema.setClass(SigningKey);
