import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { EntityManager } from '@mikro-orm/sql';
import type { LoadedConfig } from '../../config/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ClaimsComposer, ReleaseRecorder } from '../consent/index.ts';
import { ClientStoreAdapter, type ClientService } from '../clients/index.ts';
import { deriveKey } from '../shared/crypto.ts';
import { usesHttps } from '../shared/urls.ts';
import type { Logger } from '../shared/logger.ts';
import { MikroOrmAdapter } from './mikro-orm-adapter.ts';
import { ArtifactIds } from './artifact-ids.ts';
import { assertClientAssertion } from './client-assertions.ts';
import { auditProviderEvents } from './provider-audit.ts';
import { pairwiseSubject, sectorOf } from './pairwise.ts';
import { acrValuesUpTo } from '../trust/index.ts';
import { accessTokenAcr, clientClaimMetadata, findAccountThroughComposer } from './claims-release.ts';
import type { Clock } from '../shared/clock.ts';
import { sessionLimitsOf } from './session-trust.ts';
import { keepKontorFields, shareSessionReads } from './provider-internals.ts';
import { sessionTtl, trustPolicy } from './trust-policy.ts';
import { type OrganisationAccessCheck, withOrganisationChoice } from './organisation-policy.ts';
import { introspectionAllowed, revocationAllowed } from './token-policies.ts';
import { applyConsentPolicy } from './consent-policy.ts';
import { logoutPage, loggedOutPage, errorPage, type PageRenderer } from './provider-pages.ts';

export interface ProviderDeps {
  config: LoadedConfig;
  em: EntityManager;
  jwks: JWK[];
  clients: ClientService;
  views: PageRenderer;
  audit: AuditLog;
  logger: Logger;
  /** The time session levels are judged by (tests advance it). */
  clock: Clock;
  /** Decides what each ID token and userinfo response releases. */
  composer: ClaimsComposer;
  /** Told of every real release (the release ledger). */
  releases: ReleaseRecorder;
  /** The organisations' access rule, asked again on SSO into a portal that asks for `sk_organisation`. */
  organisationAccess: OrganisationAccessCheck;
}

/** Builds the OIDC provider: every protocol decision of Kontor is in this one configuration. */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, em, clients, views, composer } = deps;
  const https = usesHttps(config.issuer);
  const pairwise = pairwiseSubject(config.secret);
  const clientStore = new ClientStoreAdapter(clients);
  const ids = new ArtifactIds(config.secret);
  const limits = sessionLimitsOf(config.session);

  const configuration: Configuration = {
    adapter: (name: string) => (name === 'Client' ? clientStore : new MikroOrmAdapter(em, name, ids)),
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      // Over https the session cookie (path /) carries __Host-: only this host, over TLS, can set it, so a
      // sibling subdomain or a plain-http response cannot plant a session (RFC 6265bis §4.1.3.2). The
      // interaction cookies are scoped to /interaction/<uid> and /auth/<uid>, which __Host- forbids; they
      // get __Secure- (set only over TLS). The .sig companions inherit the names.
      names: https
        ? { session: '__Host-kontor.session', interaction: '__Secure-kontor.interaction', resume: '__Secure-kontor.resume' }
        : { session: '_session', interaction: '_interaction', resume: '_interaction_resume' },
      keys: [deriveKey(config.secret, 'cookies').toString('base64url')],
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: https },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: https },
    },
    // Only what this deployment's contributors can supply (claim-catalogue.ts): claims_supported and
    // scopes_supported promise no claim that could never come.
    claims: composer.catalogue.scopes,
    scopes: ['openid', 'offline_access', ...Object.keys(composer.catalogue.scopes)],
    // Applied per client in findAccount (claims-release.ts), not globally.
    conformIdTokenClaims: false,
    extraClientMetadata: clientClaimMetadata(composer.catalogue),
    extraTokenClaims: accessTokenAcr,
    // Exactly the values a login can meet: password (niedrig) and password + second factor (its configured
    // level); hoch comes with the eID card.
    acrValues: acrValuesUpTo(config.secondFactor.level),
    subjectTypes: ['public', 'pairwise'],
    // OIDC Core §8.1: the sector is the host name of the sector_identifier_uri or redirect URI (see sectorOf).
    pairwiseIdentifier: async (_ctx, accountId, client) => pairwise(sectorOf(client), accountId),
    // OpenID Connect Registration §5: the sector_identifier_uri is fetched and must list every redirect URI
    // when a client is registered (metadataValidator), not each time an instance loads the client: a portal's
    // document being unreachable must not stop its logins.
    sectorIdentifierUriValidate: (client) => registering.get(provider)?.has(client.clientId) ?? false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      subject_type: 'pairwise',
    },
    responseTypes: ['code'],
    // Asymmetric or shared-secret-in-TLS client authentication only; no HMAC-signed assertions.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // private_key_jwt: audience from the issuer, never from the request; short-lived assertions with iat.
    assertJwtClientAuthClaimsAndHeader: (ctx, claims) => assertClientAssertion(ctx, claims),
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'],
      idTokenSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
    },
    // OIDC Core §3.1.2.1: redirect_uri is required in every authorization request, matched exactly.
    allowOmittingSingleRegisteredRedirectUri: false,
    // RFC 7636 / RFC 9700: PKCE (S256 only) is mandatory for public clients, accepted from every client.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Browser-based public clients may call the token endpoint only from their own redirect origins.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    findAccount: findAccountThroughComposer(composer, deps.releases, () => deps.clock.now()),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: withOrganisationChoice(trustPolicy(deps.clock, limits), deps.organisationAccess),
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: config.tokens.accessTokenSeconds,
      ClientCredentials: config.tokens.accessTokenSeconds,
      AuthorizationCode: config.tokens.authorizationCodeSeconds,
      IdToken: config.tokens.idTokenSeconds,
      RefreshToken: config.tokens.refreshTokenDays * 86400,
      Interaction: 3600,
      // As long as one of the session's steps still holds its level (TR-03160-1 limits, session-trust.ts).
      Session: (_ctx, session) => sessionTtl(deps.clock, limits, session as { kontor?: unknown }),
      Grant: config.tokens.refreshTokenDays * 86400,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed as never },
      revocation: { enabled: true, allowedPolicy: revocationAllowed as never },
      clientCredentials: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      backchannelLogout: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // A valid id_token_hint for this session logs out without a question (provider-pages.ts).
        logoutSource: async (ctx, _form) =>
          // The hint's sub is compared with the one this client was given: the same rule as pairwiseIdentifier.
          logoutPage(views, ctx as KoaContextWithOIDC, (accountId, client) =>
            client.subjectType === 'pairwise' ? pairwise(sectorOf(client), accountId) : accountId,
          ),
        postLogoutSuccessSource: async (ctx) => loggedOutPage(views, ctx as KoaContextWithOIDC),
      },
    },
    discovery: { ui_locales_supported: ['de', 'en'] },
    // oidc-provider passes a dispatcher that drops connections to special-use addresses (SSRF protection).
    fetch: (url, options) => {
      if (config.allowPrivateNetworkFetch) delete (options as { dispatcher?: unknown }).dispatcher;
      return fetch(url, options);
    },
    renderError: async (ctx, out, error) => errorPage(views, deps.logger, ctx as KoaContextWithOIDC, out, error),
  };

  // Issue 16 (consent-policy.ts): consent every time by default, remembered or first-party per client, and
  // essential claims that cannot be released stopped before any release.
  applyConsentPolicy(configuration, deps.composer);
  const provider: Provider = new Provider(config.issuer, configuration);
  keepKontorFields(provider);
  shareSessionReads(provider);
  registering.set(provider, new Set());
  // The provider answers its own errors (JSON or our error page); these events are where the causes are.
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => deps.logger.error({ err: error, path: ctx.path }, 'provider error'));
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, error: Error, client: { clientId: string }) =>
    deps.logger.warn({ err: error, clientId: client.clientId }, 'back-channel logout delivery failed'),
  );
  auditProviderEvents(provider, deps.audit, em, deps.logger);
  return provider;
}

/** Client ids being registered now, per provider: only then is their sector_identifier_uri fetched. */
const registering = new WeakMap<Provider, Set<string>>();

/**
 * Checks client metadata exactly as the provider will read it, before we store a client; this is where a
 * sector_identifier_uri is fetched and checked against the redirect URIs.
 */
export function metadataValidator(provider: Provider) {
  return async (metadata: Record<string, unknown>) => {
    const clientIds = registering.get(provider);
    const clientId = String(metadata.client_id);
    clientIds?.add(clientId);
    try {
      await (provider.Client as unknown as { validate(metadata: Record<string, unknown>): Promise<void> }).validate(metadata);
    } finally {
      clientIds?.delete(clientId);
    }
  };
}
