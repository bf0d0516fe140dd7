import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { emailAddress } from '../accounts/index.ts';
import { ORG_APPROVAL_MODES, roleCatalogue } from '../clients/index.ts';
import {
  claimPolicyOf,
  PROTOCOL_CLAIMS,
  SCOPE_CLAIMS,
  type ClaimCatalogue,
  type ClaimsComposer,
  type ContributionContext,
  type ReleaseRecorder,
} from '../consent/index.ts';
import { authnMeansOf, levelOfAcr, TRUST_LEVELS, type AuthenticationLevel } from '../trust/index.ts';
import { grantOrganisationOf, sessionOrganisationOf } from './organisation-policy.ts';
import { trustOf } from './session-trust.ts';

/** The client metadata Kontor adds (i16 contract): what a portal may receive, how consent is asked, who it is. */
export const KONTOR_CLIENT_METADATA = [
  'sk_claims',
  'sk_claim_levels',
  'sk_consent',
  'sk_first_party',
  'sk_id_token_claims',
  'sk_organisation',
  'sk_address',
  'sk_purpose',
  // Organisations (issue 19): the role catalogue, whether an organisation's use needs approval, who approves.
  'sk_roles',
  'sk_org_approval',
  'sk_authority_email',
] as const;

/**
 * oidc-provider's `extraClientMetadata`: the properties and their validator, against what this deployment can
 * supply (a client registered for a claim nobody here provides is a configuration mistake, told at once).
 */
export function clientClaimMetadata(catalogue: ClaimCatalogue): NonNullable<Configuration['extraClientMetadata']> {
  const invalid = (message: string) => new errors.InvalidClientMetadata(message);
  const releasable = (claim: unknown) => typeof claim === 'string' && catalogue.supported.has(claim) && !PROTOCOL_CLAIMS.has(claim);
  return {
    properties: [...KONTOR_CLIENT_METADATA],
    validator: (_ctx, key, value) => {
      if (value === undefined) return;
      switch (key) {
        case 'sk_claims':
          if (!Array.isArray(value) || !value.every(releasable))
            throw invalid(`sk_claims must list claims this deployment supplies (${[...catalogue.supported].filter(releasable).join(', ')})`);
          return;
        case 'sk_claim_levels':
          if (
            !value ||
            typeof value !== 'object' ||
            !Object.entries(value).every(([claim, level]) => releasable(claim) && (TRUST_LEVELS as readonly unknown[]).includes(level))
          )
            throw invalid('sk_claim_levels must map claims this deployment supplies to trust levels');
          return;
        case 'sk_consent':
          if (value !== 'every_time' && value !== 'remembered') throw invalid('sk_consent must be every_time or remembered');
          return;
        case 'sk_roles': {
          const roles = roleCatalogue.safeParse(value);
          if (!roles.success) throw invalid(`sk_roles must be a list of {key, label: {de, en}, description?: {de, en}}: ${roles.error.issues[0]?.message}`);
          return;
        }
        case 'sk_org_approval':
          if (!(ORG_APPROVAL_MODES as readonly unknown[]).includes(value)) throw invalid('sk_org_approval must be automatic or authority');
          return;
        case 'sk_authority_email':
          if (!emailAddress.safeParse(value).success) throw invalid('sk_authority_email must be one e-mail address');
          return;
        case 'sk_first_party':
        case 'sk_id_token_claims':
          if (typeof value !== 'boolean') throw invalid(`${key} must be a boolean`);
          return;
        default:
          if (typeof value !== 'string' || value.length > 1000) throw invalid(`${key} must be a string of at most 1000 characters`);
      }
    },
  };
}

interface TokenLike {
  kind?: string;
  /** The granted scope of the code, access or refresh token the claims are for. */
  scope?: string;
  /** The claims parameter the grant was made with (`{ id_token, userinfo }`). */
  claims?: unknown;
  acr?: string;
  amr?: string[];
  sessionUid?: string;
  grantId?: string;
  extra?: { acr?: unknown };
}

/** The login's level for one release: the code or refresh token's acr, for userinfo the access token's copy. */
function sessionLevelOf(token: TokenLike | undefined): AuthenticationLevel {
  const acr = token?.acr ?? (typeof token?.extra?.acr === 'string' ? token.extra.acr : undefined);
  // No acr known: the lowest login level, so a claim with a minimum is withheld rather than released.
  return (acr && levelOfAcr(acr)) || 'niedrig';
}

/**
 * The method of the login step a token stands on (its session's step at the token's level), for
 * `sk_authn_means`: a federated login's amr is the upstream's own and does not name the means. Undefined
 * when the session is gone (then amr decides).
 */
async function loginMethodOf(ctx: KoaContextWithOIDC, token: TokenLike | undefined): Promise<string | undefined> {
  const session = await sessionOf(ctx, token);
  const trust = session ? trustOf(session as { kontor?: unknown }) : undefined;
  if (!trust) return undefined;
  const level = sessionLevelOf(token);
  const steps = trust.steps.filter((step) => step.level === level);
  return steps.at(-1)?.method;
}

/** The login session a token stands on: the request's own, else the token's (gone once the session ended). */
async function sessionOf(ctx: KoaContextWithOIDC, token: TokenLike | undefined): Promise<{ kontor?: unknown } | undefined> {
  if (ctx.oidc.session?.accountId) return ctx.oidc.session as { kontor?: unknown };
  const session = token?.sessionUid ? await ctx.oidc.provider.Session.findByUid(token.sessionUid) : undefined;
  return (session ?? undefined) as { kontor?: unknown } | undefined;
}

/** The token's grant: loaded already at /token; userinfo looks its account up before its grant (one read then). */
async function grantOf(ctx: KoaContextWithOIDC, token: TokenLike | undefined): Promise<{ kontor?: unknown } | undefined> {
  const loaded = (ctx.oidc.entities as { Grant?: { kontor?: unknown } }).Grant;
  if (loaded) return loaded;
  return token?.grantId ? (((await ctx.oidc.provider.Grant.find(token.grantId)) ?? undefined) as { kontor?: unknown } | undefined) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The names the claims parameter asks for, in both members (OIDC Core §5.5). */
function claimsParameterNames(claims: unknown): string[] {
  if (!claims || typeof claims !== 'object') return [];
  const members = claims as { id_token?: unknown; userinfo?: unknown };
  return [members.id_token, members.userinfo].flatMap((member) => (member && typeof member === 'object' ? Object.keys(member) : []));
}

/**
 * For whom the composer reads attributes: the client, the claims the token's grant can touch (the
 * organisations contributor runs only when `sk_organisation` or its claims were asked for), and the
 * organisation the login's session decided for this client (organisation-policy.ts; null: none, so no
 * organisation claims). A token whose session is gone (an offline refresh token outliving it) takes the
 * decision its grant kept; only a grant that kept none falls back to the contributor's default (the
 * remembered choice or the only organisation).
 */
async function contributionContextOf(ctx: KoaContextWithOIDC, composer: ClaimsComposer, token: TokenLike | undefined): Promise<ContributionContext> {
  const clientId = ctx.oidc.client?.clientId;
  // Without a token (the authorization endpoint's own account lookup) the request's parameters say what it asks.
  const params = ctx.oidc.params as { scope?: unknown; claims?: unknown } | undefined;
  const scope = typeof token?.scope === 'string' ? token.scope : !token && typeof params?.scope === 'string' ? params.scope : undefined;
  if (scope === undefined) return { clientId };
  const requested = token ? token.claims : typeof params?.claims === 'string' ? safeJson(params.claims) : params?.claims;
  const claims = new Set(composer.claimsTouchedBy(scope.split(' '), claimsParameterNames(requested)));
  const organisationClaims = SCOPE_CLAIMS.sk_organisation;
  if (!clientId || !organisationClaims.some((name) => claims.has(name))) return { clientId, claims };
  // The session's decision while it lives; then the one its grant kept (an offline refresh token).
  const inSession = sessionOrganisationOf(await sessionOf(ctx, token), clientId);
  const chosen = inSession !== undefined ? inSession : grantOrganisationOf(await grantOf(ctx, token));
  if (chosen === null) for (const name of organisationClaims) claims.delete(name);
  return { clientId, claims, ...(chosen ? { organisationId: chosen } : {}) };
}

/**
 * `extraTokenClaims`: access tokens carry the acr of the login they came from (code or refresh token), so a
 * userinfo request judges claim minimums by the same level as the ID token did (RFC 9470 §3 names `acr`).
 */
export const accessTokenAcr: NonNullable<Configuration['extraTokenClaims']> = async (ctx, token) => {
  if (token.kind !== 'AccessToken') return undefined;
  const { AuthorizationCode: code, RefreshToken: refresh } = (ctx as KoaContextWithOIDC).oidc.entities as {
    AuthorizationCode?: TokenLike;
    RefreshToken?: TokenLike;
  };
  const acr = code?.acr ?? refresh?.acr;
  return acr ? { acr } : undefined;
};

/**
 * `findAccount`: one statement loads the active account's attributes; `claims()` hands them to the composer
 * for the client and the use, and tells the release recorder what left.
 */
export function findAccountThroughComposer(composer: ClaimsComposer, releases: ReleaseRecorder, now: () => Date): NonNullable<Configuration['findAccount']> {
  return async (ctx, sub, token) => {
    const tokenLike = token as TokenLike | undefined;
    // The organisation claims depend on the client (its roles only, TRUST-AND-CLAIMS.md) and the login's choice.
    const subject = await composer.subject(sub, await contributionContextOf(ctx as KoaContextWithOIDC, composer, tokenLike));
    if (!subject) return undefined;
    return {
      accountId: sub,
      claims: async (use, scope, requested, rejected) => {
        const client = (ctx as KoaContextWithOIDC).oidc.client;
        if (!client || (use !== 'id_token' && use !== 'userinfo')) return { sub };
        const metadata = client.metadata() as Record<string, unknown>;
        // OIDC Core §5.4: with an access token, the scopes' claims come from userinfo and the ID token carries
        // only what the claims parameter asks for it. oidc-provider's conformIdTokenClaims does this for every
        // client alike, so it is off and done here per client: sk_id_token_claims puts the granted scopes'
        // claims into the ID token too (for relying-party libraries that read only the ID token).
        const scopes = use === 'id_token' && metadata.sk_id_token_claims !== true ? ['openid'] : scope.split(' ');
        const composition = composer.decide(
          subject,
          {
            accountId: sub,
            clientId: client.clientId,
            sessionLevel: sessionLevelOf(tokenLike),
            scopes,
            requested: (requested ?? {}) as Record<string, { essential?: boolean } | null>,
            rejected: rejected ?? [],
            use,
          },
          claimPolicyOf(metadata),
        );
        // The ledger decides what to keep; a release it cannot record does not happen.
        // The purpose as registered now: the ledger row keeps why the portal asked when it received the data.
        const purpose = typeof metadata.sk_purpose === 'string' ? metadata.sk_purpose : null;
        await releases.record({ accountId: sub, clientId: client.clientId, use, claims: composition.released, at: now(), purpose });
        const claims = { ...composition.claims, sub };
        return use === 'id_token'
          ? { ...claims, sk_authn_means: authnMeansOf(tokenLike?.amr, await loginMethodOf(ctx as KoaContextWithOIDC, tokenLike)) }
          : claims;
      },
    };
  };
}
