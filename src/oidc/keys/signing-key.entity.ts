import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const SIGNING_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * A signing key. The private JWK is stored encrypted with KONTOR_SECRET. An active key signs; a retired key
 * stays in the JWKS until `publishUntil` so tokens it signed can still be verified.
 */
export const SigningKeySchema = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_key',
  properties: {
    kid: p.string().length(64).primary().onCreate(() => randomUUID()),
    alg: p.enum(SIGNING_ALGORITHMS),
    encryptedJwk: p.text(),
    status: p.enum(['active', 'retired'] as const),
    createdAt: p.datetime().onCreate(() => new Date()),
    retiredAt: p.datetime().nullable(),
    publishUntil: p.datetime().nullable(),
  },
});

export class SigningKey extends SigningKeySchema.class {}
SigningKeySchema.setClass(SigningKey);
