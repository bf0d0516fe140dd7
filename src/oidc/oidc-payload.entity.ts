import { defineEntity, p } from '@mikro-orm/core';

/**
 * One row per oidc-provider artifact (Session, Interaction, AuthorizationCode, AccessToken, Grant, …),
 * keyed by model kind and a keyed hash of its id (artifact-ids.ts: a database reader never sees a usable
 * token, code or session id). Indexed columns serve the adapter's lookups, the expiry purge and
 * "everything of one account" (account-sign-out.ts).
 */
export const OidcPayloadSchema = defineEntity({
  name: 'OidcPayload',
  tableName: 'oidc_payload',
  properties: {
    kind: p.string().length(40).primary(),
    id: p.string().length(255).primary(),
    payload: p.json<Record<string, unknown>>(),
    grantId: p.string().length(255).nullable().index(),
    userCode: p.string().length(255).nullable().index(),
    uid: p.string().length(255).nullable().index(),
    accountId: p.string().length(255).nullable().index(),
    expiresAt: p.datetime().nullable().index(),
    consumedAt: p.datetime().nullable(),
  },
});

export class OidcPayload extends OidcPayloadSchema.class {}
OidcPayloadSchema.setClass(OidcPayload);
