import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import * as client from 'openid-client';
import type { UpstreamConfig } from '../../config/federation.ts';
import { decrypt, deriveKey, encrypt, randomToken, sha256Hex } from '../shared/crypto.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { AuthenticationLevel } from '../trust/index.ts';
import { FederationRequestRepository } from './federation-request.repository.ts';
import { acrValuesFor, mappedLevel } from './trust-mapping.ts';
import { UpstreamUnavailable, type UpstreamDirectory } from './upstream-directory.ts';

/** A trip upstream may take this long (login, consent there) before its callback is refused. */
export const REQUEST_MINUTES = 15;

/** Who the upstream says the person is, as the callback verified it. */
export interface UpstreamIdentity {
  upstreamId: string;
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  acr?: string;
  amr: string[];
  level: AuthenticationLevel;
  /** The upstream's session id (OIDC Back-Channel Logout 1.0 §2.1 `sid`), when it sends one. */
  sid?: string;
}

/** Why a trip upstream ended without an identity, each with its own page (`federation.error.<code>`); cancelling upstream is `access_denied` (RFC 6749 §4.1.2.1). */
export type FederationFailure = 'access_denied' | 'unreachable' | 'bad_response' | 'level_too_low' | 'expired' | 'unknown_upstream';

export type CallbackOutcome = { ok: true; uid: string; requestId: string } | { ok: false; failure: FederationFailure; uid?: string };

export interface FederationDeps {
  em: EntityManager;
  directory: UpstreamDirectory;
  issuer: string;
  secret: string;
  clock: Clock;
  logger: Logger;
}

/**
 * The trip to an upstream provider and back (OIDC Core §3.1, authorization code flow with PKCE, RFC 7636):
 * `start` stores a single-use request bound to the interaction and the browser and builds the redirect;
 * `callback` checks everything the answer must satisfy and keeps the verified identity for the login flow.
 */
export class FederationService {
  private readonly deps: FederationDeps;
  private readonly key: Buffer;

  constructor(deps: FederationDeps) {
    this.deps = deps;
    this.key = deriveKey(deps.secret, 'federation-request');
  }

  redirectUri(upstreamId: string): string {
    return `${this.deps.issuer}/federation/${upstreamId}/callback`;
  }

  /**
   * The redirect to the upstream for interaction `uid`, asking (`acr_values`) for upstream values that reach
   * `required`; the browser token goes into a cookie and must come back with the callback.
   */
  async start(input: {
    uid: string;
    upstream: UpstreamConfig;
    required: AuthenticationLevel | undefined;
    locale: string;
  }): Promise<{ url: string; browserToken: string }> {
    const { upstream } = input;
    const configuration = await this.deps.directory.configurationOf(upstream);
    const askedAcr = input.required ? acrValuesFor(upstream.trust, input.required) : [];
    if (input.required && askedAcr.length === 0) throw new UpstreamUnavailable(`${upstream.id} cannot reach ${input.required}`);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const browserToken = randomToken(32);
    const id = randomUUID();
    await new FederationRequestRepository(this.deps.em.fork()).insert({
      id,
      stateHash: sha256Hex(state),
      browserHash: sha256Hex(browserToken),
      interactionUid: input.uid,
      upstreamId: upstream.id,
      nonce,
      codeVerifierEncrypted: encrypt(this.key, verifier, `verifier:${id}`),
      askedAcr,
      expiresAt: new Date(this.deps.clock.now().getTime() + REQUEST_MINUTES * 60_000),
    });
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(upstream.id),
      scope: upstream.scopes.join(' '),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ui_locales: input.locale,
      ...(askedAcr.length ? { acr_values: askedAcr.join(' ') } : {}),
    });
    return { url: url.href, browserToken };
  }

  /**
   * The upstream's answer at `currentUrl`. Refused: an unknown or reused state, another browser, an expired
   * trip, an error answer, a token openid-client does not accept (issuer, audience, signature, nonce, PKCE,
   * RFC 9207 `iss` when the upstream advertises it), an acr other than asked, a level the mapping does not give.
   */
  async callback(upstream: UpstreamConfig, currentUrl: URL, browserToken: string | undefined): Promise<CallbackOutcome> {
    const state = currentUrl.searchParams.get('state');
    if (!state) return { ok: false, failure: 'bad_response' };
    const repository = new FederationRequestRepository(this.deps.em.fork());
    const request = await repository.claimPending(sha256Hex(state), this.deps.clock.now());
    if (!request || request.upstreamId !== upstream.id) return { ok: false, failure: 'expired' };
    const uid = request.interactionUid;
    if (!browserToken || sha256Hex(browserToken) !== request.browserHash) return { ok: false, failure: 'expired', uid };
    const error = currentUrl.searchParams.get('error');
    // RFC 6749 §4.1.2.1; the person cancelling upstream is access_denied too, the page offers the way back.
    if (error) return { ok: false, failure: error === 'access_denied' ? 'access_denied' : 'bad_response', uid };
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      const configuration = await this.deps.directory.configurationOf(upstream);
      tokens = await client.authorizationCodeGrant(
        configuration,
        currentUrl,
        {
          pkceCodeVerifier: decrypt(this.key, request.codeVerifierEncrypted, `verifier:${request.id}`),
          expectedState: state,
          expectedNonce: request.nonce,
          idTokenExpected: true,
        },
        { redirect_uri: this.redirectUri(upstream.id) },
      );
    } catch (failure) {
      const unreachable =
        failure instanceof UpstreamUnavailable ||
        (failure as { cause?: { name?: string } }).cause?.name === 'TimeoutError' ||
        (failure as Error).name === 'TypeError';
      this.deps.logger.warn({ upstream: upstream.id, reason: (failure as Error).message }, 'federation callback refused');
      return { ok: false, failure: unreachable ? 'unreachable' : 'bad_response', uid };
    }
    const claims = tokens.claims();
    if (!claims) return { ok: false, failure: 'bad_response', uid };
    const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
    const amr = Array.isArray(claims.amr)
      ? claims.amr.filter((value): value is string => typeof value === 'string' && value.length > 0 && value.length <= 20).slice(0, 10)
      : [];
    const level = mappedLevel(upstream.trust, acr, amr);
    // OIDC Core §3.1.2.1: acr_values is voluntary for the upstream; Kontor insists on what it asked.
    if (!level || (request.askedAcr.length > 0 && (!acr || !request.askedAcr.includes(acr)))) return { ok: false, failure: 'level_too_low', uid };
    const userinfo = await this.userinfo(upstream, tokens.access_token, claims.sub);
    const identity: UpstreamIdentity = {
      upstreamId: upstream.id,
      issuer: claims.iss,
      subject: claims.sub,
      claims: { ...userinfo, ...claims },
      acr,
      amr: amr.length ? amr : ['ext'],
      level,
      ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
    };
    await repository.markVerified(request.id, encrypt(this.key, JSON.stringify(identity), `identity:${request.id}`));
    return { ok: true, uid, requestId: request.id };
  }

  /** The identity a callback verified for this interaction and browser, while unused. */
  async identity(requestId: string, uid: string, browserToken: string | undefined): Promise<UpstreamIdentity | undefined> {
    if (!browserToken) return undefined;
    const row = await new FederationRequestRepository(this.deps.em.fork()).verified(requestId, uid, sha256Hex(browserToken), this.deps.clock.now());
    if (!row?.identityEncrypted) return undefined;
    return JSON.parse(decrypt(this.key, row.identityEncrypted, `identity:${row.id}`)) as UpstreamIdentity;
  }

  /** Uses the verified request up, in the caller's transaction (false: it was used already). */
  finish(tx: EntityManager, requestId: string): Promise<boolean> {
    return new FederationRequestRepository(tx).finish(requestId);
  }

  /** Deletes trips upstream that ran out (purge job); the verified identity in them goes with them. */
  purge(): Promise<number> {
    return new FederationRequestRepository(this.deps.em.fork()).purgeExpired(this.deps.clock.now());
  }

  /** Userinfo (OIDC Core §5.3) when the upstream has it; the ID token's claims alone otherwise. */
  private async userinfo(upstream: UpstreamConfig, accessToken: string, subject: string): Promise<Record<string, unknown>> {
    const configuration = await this.deps.directory.configurationOf(upstream);
    if (!configuration.serverMetadata().userinfo_endpoint) return {};
    try {
      return await client.fetchUserInfo(configuration, accessToken, subject);
    } catch (error) {
      this.deps.logger.warn({ upstream: upstream.id, reason: (error as Error).message }, 'upstream userinfo failed');
      return {};
    }
  }
}
