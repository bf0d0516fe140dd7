/**
 * Benchmark child: a bare oidc-provider configured like Kontor where it matters for /token and /me: one
 * static confidential client (client_secret_basic), scopes and claims openid/profile/email, pairwise
 * subjects (HMAC-SHA256), PKCE accepted (required only for public clients), opaque access tokens, ID tokens
 * signed RS256 with an RSA-3072 key, the same token lifetimes, a fixed account, storage in memory
 * (map-adapter.ts). Login and consent come from the provider's devInteractions pages.
 * Prints one BENCH_READY line (see shared.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { mapAdapterFactory } from './map-adapter.ts';
import { announceReady, BENCH_CODE_SECONDS, freeLoopbackPort, PERSON, REDIRECT_URI, serveStats, shutdownOn } from './shared.ts';

const port = await freeLoopbackPort();
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { modulusLength: 3072, extractable: true });
const jwk = await exportJWK(privateKey);
const signingKey = { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };

const clientId = 'bench-rp';
const clientSecret = randomBytes(32).toString('base64url');
const pairwiseKey = randomBytes(32);
const accountId = 'bench-account-0001';

const configuration: Configuration = {
  adapter: mapAdapterFactory(),
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      client_name: 'Benchmark RP',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      subject_type: 'pairwise',
    },
  ],
  jwks: { keys: [signingKey] as NonNullable<Configuration['jwks']>['keys'] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'name', 'locale'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (_ctx, sub, client) =>
    createHmac('sha256', pairwiseKey)
      .update(`${String(client.sectorIdentifier)}\u0000${sub}`)
      .digest('base64url'),
  responseTypes: ['code'],
  allowOmittingSingleRegisteredRedirectUri: false,
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      given_name: PERSON.givenName,
      family_name: PERSON.familyName,
      name: `${PERSON.givenName} ${PERSON.familyName}`,
      email: PERSON.email,
      email_verified: true,
      locale: PERSON.locale,
    }),
  }),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: BENCH_CODE_SECONDS,
    IdToken: 600,
    RefreshToken: 14 * 86400,
    Interaction: 3600,
    Session: 12 * 3600,
    Grant: 14 * 86400,
  },
  features: {
    devInteractions: { enabled: true },
    claimsParameter: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
};

const provider = new Provider(issuer, configuration);
const server = createServer(provider.callback());
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
serveStats(() => ({ dbQueries: null }));
shutdownOn(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

announceReady({ kind: 'bare', issuer, clientId, clientSecret, redirectUri: REDIRECT_URI, username: accountId, password: 'any', pid: process.pid });
