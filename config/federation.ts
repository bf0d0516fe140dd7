import { z } from 'zod';
import { PROFILE_FIELD_CLAIMS } from './registration.ts';

/**
 * Upstream OpenID providers: other states' service accounts a person may log in with ("Mit anderem
 * Servicekonto", seed 001 "interoperable Servicekonten"). Each one is an OpenID Connect relying-party
 * registration of Kontor's at that provider.
 */

/** The levels a login can reach (src/trust's AUTHENTICATION_LEVELS; config/ stays free of domain imports). */
const level = z.enum(['niedrig', 'substanziell', 'hoch']);

/** The local attributes an upstream may supply (a claim name, `address.*` members included). */
export const FEDERATED_ATTRIBUTES = ['given_name', 'family_name', 'email', 'gender', ...PROFILE_FIELD_CLAIMS] as const;
export type FederatedAttribute = (typeof FEDERATED_ATTRIBUTES)[number];

/** Local attribute → upstream claim when the operator names none: the standard claims of OIDC Core §5.1. */
export const DEFAULT_CLAIM_MAPPING: Partial<Record<FederatedAttribute, string>> = {
  given_name: 'given_name',
  family_name: 'family_name',
  email: 'email',
  birthdate: 'birthdate',
  'address.street_address': 'address.street_address',
  'address.postal_code': 'address.postal_code',
  'address.locality': 'address.locality',
  'address.country': 'address.country',
};

/**
 * How an upstream login maps onto Kontor's levels. `acr`: each upstream acr value Kontor accepts and the
 * level it stands for (an acr not listed gives no level: the login is refused). `amr`: a level may demand
 * amr values (e.g. substanziell only with `mfa`); a login missing them falls to the highest level whose
 * demands it meets. `ceiling`: no login from this upstream is ever stronger, whatever it says.
 */
export const upstreamTrustSchema = z.object({
  acr: z.record(z.string().min(1).max(200), level).refine((map) => Object.keys(map).length > 0, 'must map at least one upstream acr'),
  amr: z
    .array(z.object({ level, requires: z.array(z.string().min(1).max(20)).min(1).max(10) }))
    .max(10)
    .optional(),
  ceiling: level,
});
export type UpstreamTrust = z.infer<typeof upstreamTrustSchema>;

const clientAuthSchema = z.discriminatedUnion('method', [
  // The secret may come from KONTOR_FEDERATION_<ID>_CLIENT_SECRET instead of the file (see load.ts).
  z.object({ method: z.literal('client_secret_basic'), secret: z.string().min(16, 'must have at least 16 characters') }),
  z.object({
    method: z.literal('private_key_jwt'),
    /** PEM, PKCS#8: the key Kontor signs its client assertions with (RFC 7523); its public half is registered upstream. */
    keyFile: z.string().min(1),
    alg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
  }),
]);

export const upstreamSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be 1–40 lower-case letters, digits or dashes'),
  name: z.object({ de: z.string().min(1).max(120), en: z.string().min(1).max(120).optional() }),
  issuer: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  clientId: z.string().min(1).max(200),
  clientAuth: clientAuthSchema,
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/))
    .min(1)
    .default(['openid', 'profile', 'email'])
    .refine((list) => list.includes('openid'), 'must include openid'),
  claims: z.partialRecord(z.enum(FEDERATED_ATTRIBUTES), z.string().min(1).max(100)).default(DEFAULT_CLAIM_MAPPING),
  trust: upstreamTrustSchema,
  enabled: z.boolean().default(true),
  /** Whether a session from this upstream gives SSO into other portals (false: each portal sends the person upstream anew). */
  sso: z.boolean().default(true),
  /** Further words the chooser's filter finds this upstream by (the state's name, its capital). */
  searchTerms: z.array(z.string().min(1).max(60)).max(20).optional(),
});
export type UpstreamConfig = z.infer<typeof upstreamSchema>;

/** Unique ids and issuers are checked in load.ts on the raw values, so they are reported with every other problem. */
export const federationSchema = z.object({ upstreams: z.array(upstreamSchema).max(100).default([]) });
export type FederationConfig = z.infer<typeof federationSchema>;

/** The environment variable that may carry an upstream's client secret (id `nord-land` → `KONTOR_FEDERATION_NORD_LAND_CLIENT_SECRET`). */
export function secretVariableOf(id: string): string {
  return `KONTOR_FEDERATION_${id.toUpperCase().replaceAll('-', '_')}_CLIENT_SECRET`;
}
