import { z } from 'zod';
import { CLAIM_SCOPES, PROTOCOL_CLAIMS, SCOPE_CLAIMS } from '../consent/index.ts';
import { BSI_ACR, levelNamed, levelOfAcr, TRUST_LEVELS } from '../trust/index.ts';

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** The scopes a client may be registered for: the claim scopes and offline_access (refresh tokens). */
export const CLIENT_SCOPES = [...CLAIM_SCOPES, 'offline_access'] as const;
/** The claims a client may be registered for: every claim about the person (the login's own always come). */
export const REGISTRABLE_CLAIMS = Object.values(SCOPE_CLAIMS)
  .flat()
  .filter((claim) => !PROTOCOL_CLAIMS.has(claim));
export const CONSENT_MODES = ['every-time', 'remembered'] as const;

const claimName = z.string().refine((value) => (REGISTRABLE_CLAIMS as string[]).includes(value), {
  error: (issue) => `unknown claim "${String(issue.input)}"; known: ${REGISTRABLE_CLAIMS.join(', ')}`,
});

/** `claim=level`, as the CLI takes `--claim-level given_name=substanziell`. */
const claimLevel = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const [claim = '', level = '', ...rest] = value.split('=');
    if (rest.length || !(REGISTRABLE_CLAIMS as string[]).includes(claim) || !(TRUST_LEVELS as readonly string[]).includes(level)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" must be claim=level with a known claim and a level (${TRUST_LEVELS.join(', ')})` });
      return z.NEVER;
    }
    return [claim, level] as const;
  });

const absoluteUri = z.string().refine((value) => URL.canParse(value), 'must be an absolute URI');

/** What an operator gives to create a client (CLI and, later, the admin API). */
export const createClientInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    redirectUris: z.array(absoluteUri).default([]),
    postLogoutRedirectUris: z.array(absoluteUri).default([]),
    authMethod: z.enum(AUTH_METHODS).default('client_secret_basic'),
    grantTypes: z.array(z.enum(GRANT_TYPES)).min(1).default(['authorization_code', 'refresh_token']),
    /** RS256 is what every relying party understands; ES256 and EdDSA are far cheaper to sign. */
    idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGORITHMS).default('RS256'),
    jwksUri: z.url({ protocol: /^https?$/ }).optional(),
    backchannelLogoutUri: z.url({ protocol: /^https?$/ }).optional(),
    /** The portal's home page: where a person is sent to log in when their login interaction has ended. */
    clientUri: z.url({ protocol: /^https?$/ }).optional(),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{3,100}$/)
      .optional(),
    /**
     * OIDC Core §8.1: the sector of pairwise `sub` values is this URL's host name; it must answer with a JSON
     * array listing every redirect URI. Needed when the redirect URIs span several hosts or ports.
     */
    sectorIdentifierUri: z.url({ protocol: /^https$/ }).optional(),
    /**
     * The portal's floor (`default_acr_values`, OpenID Connect Registration §2): a login below it never
     * reaches the portal. An acr value Kontor knows, or a level's short name (`substanziell` → its BSI URI).
     */
    defaultAcrValues: z
      .array(
        z
          .string()
          .trim()
          .transform((value) => {
            const level = levelNamed(value);
            return level && level !== 'basisregistrierung' ? BSI_ACR[level] : value;
          })
          .refine(
            (value) => levelOfAcr(value) !== undefined,
            'must be a trust level (niedrig, substanziell, hoch) or an acr value Kontor knows (BSI, eIDAS, STORK-QAA)',
          ),
      )
      .optional(),
    /** The scopes it may ask for (`scope`); default openid profile email, plus offline_access with refresh tokens. */
    scopes: z.array(z.enum(CLIENT_SCOPES, { error: (issue) => `unknown scope "${String(issue.input)}"; known: ${CLIENT_SCOPES.join(', ')}` })).optional(),
    /** The claims it may receive (`sk_claims`); default: every claim of its scopes. */
    claims: z.array(claimName).optional(),
    /** Minimum levels per claim (`sk_claim_levels`): released only if session and attribute both meet it. */
    claimLevels: z.array(claimLevel).optional(),
    /** Consent on every login (seed 003's "einmalige Weitergabe", the default) or remembered until revoked. */
    consent: z.enum(CONSENT_MODES, { error: 'must be every-time or remembered' }).default('every-time'),
    /** Kontor's own services (the account area): no consent screen. */
    firstParty: z.boolean().default(false),
    /**
     * OIDC Core §8: `public` gives the account id itself as `sub`. Only for Kontor's own account client, whose
     * `sub` never leaves Kontor; every portal keeps the default, pairwise (not offered by the CLI).
     */
    subjectType: z.enum(['public', 'pairwise']).optional(),
    /** Granted profile, email and address claims also in the ID token (for RP libraries reading only that). */
    idTokenClaims: z.boolean().default(false),
    /** Shown on the consent page and stored with each release: the authority behind the portal, its address, why it asks. */
    organisation: z.string().trim().min(1).max(200).optional(),
    address: z.string().trim().min(1).max(500).optional(),
    purpose: z.string().trim().min(1).max(1000).optional(),
    logoUri: z.url({ protocol: /^https?$/ }).optional(),
    policyUri: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((input, ctx) => {
    const claims = new Set(
      input.claims ??
        (input.scopes ?? ['openid', 'profile', 'email']).flatMap((scope) =>
          scope in SCOPE_CLAIMS ? [...SCOPE_CLAIMS[scope as keyof typeof SCOPE_CLAIMS]] : [],
        ),
    );
    for (const [claim] of input.claimLevels ?? []) {
      if (!claims.has(claim))
        ctx.addIssue({ code: 'custom', path: ['claimLevels'], message: `${claim}: the client is not registered for this claim (--claim or --scope)` });
    }
    if (input.scopes && !input.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'the scopes must include openid' });
    if (input.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'at least one --redirect-uri is needed for authorization_code' });
    }
    if (input.authMethod === 'private_key_jwt' && !input.jwksUri) {
      ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: 'private_key_jwt needs --jwks-uri (where the client publishes its public keys)' });
    }
    if (input.authMethod === 'none' && input.grantTypes.includes('client_credentials')) {
      ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'a public client (auth method none) cannot use client_credentials' });
    }
  });

export type CreateClientInput = z.input<typeof createClientInput>;
