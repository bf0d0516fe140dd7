import { z } from 'zod';
import { BSI_ACR, levelNamed, levelOfAcr } from '../trust/index.ts';

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

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
  })
  .superRefine((input, ctx) => {
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
