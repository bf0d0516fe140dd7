import { defineEntity, p } from '@mikro-orm/core';

/**
 * A registered OIDC client. `metadata` is the client's registered metadata (RFC 7591 names) without the
 * secret; the secret is kept encrypted, not hashed, because oidc-provider compares the presented secret
 * with the stored one in the clear.
 */
export const OidcClientSchema = defineEntity({
  name: 'OidcClient',
  tableName: 'oidc_client',
  properties: {
    clientId: p.string().length(255).primary(),
    name: p.string().length(200),
    metadata: p.json<Record<string, unknown>>(),
    encryptedSecret: p.text().nullable(),
    /** `config`: Kontor's own clients, registered from the configuration on every start (the account area). */
    source: p.enum(['cli', 'registration', 'dev-seed', 'config'] as const),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class OidcClient extends OidcClientSchema.class {}
OidcClientSchema.setClass(OidcClient);
