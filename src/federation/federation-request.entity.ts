import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/**
 * `pending`: the browser went upstream; `verified`: the callback checked the answer (identity kept, sealed);
 * `done`: the login used it; `failed`: the callback refused it. Only `pending → verified|failed` and
 * `verified → done` happen, each by one conditional UPDATE: a replayed callback finds nothing to claim.
 */
export const FEDERATION_REQUEST_STATUSES = ['pending', 'verified', 'done', 'failed'] as const;
export type FederationRequestStatus = (typeof FEDERATION_REQUEST_STATUSES)[number];

/**
 * One trip to an upstream provider, bound to the interaction it started from and to the browser (a random
 * token in a cookie, stored as its SHA-256). `state` is stored as its SHA-256 only; the PKCE verifier and
 * the identity the callback verified are encrypted (AES-256-GCM bound to the row id); the nonce is not a
 * secret (it travels in the authorization request) but binds the ID token to this trip (OIDC Core §3.1.2.1).
 */
export const FederationRequestSchema = defineEntity({
  name: 'FederationRequest',
  tableName: 'federation_request',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    stateHash: p.string().length(64).unique(),
    browserHash: p.string().length(64),
    interactionUid: p.string().length(64).index(),
    upstreamId: p.string().length(40),
    nonce: p.string().length(64),
    codeVerifierEncrypted: p.text(),
    /** The upstream acr values asked for (empty: none asked); the callback compares the answer with them. */
    askedAcr: p.json<string[]>(),
    status: p.enum(FEDERATION_REQUEST_STATUSES).default('pending'),
    identityEncrypted: p.text().nullable(),
    expiresAt: p.datetime().index(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class FederationRequest extends FederationRequestSchema.class {}
FederationRequestSchema.setClass(FederationRequest);
