import * as oidc from 'openid-client';
import { AppError } from '../shared/app-error.ts';
import type { Clock } from '../shared/clock.ts';
import { decrypt, deriveKey, encrypt } from '../shared/crypto.ts';
import { ACCOUNT_CLIENT_ID, accountAreaUris, accountClientSecret } from './account-client.ts';
import type { AccountAreaLogin } from './account-area-sessions.ts';

/** What a login of the account area asks Kontor's authorization endpoint for beyond the defaults. */
export interface AccountLoginRequest {
  /** The `/account…` page to come back to (already checked by {@link safeReturnPath}). */
  returnTo: string;
  /** OIDC Core §3.1.2.1: `max_age=0` asks for a new authentication (step-up before a change). */
  maxAge?: number;
  prompt?: 'login';
  acrValues?: string;
  uiLocales?: string;
}

/** The login in progress, sealed into a short-lived cookie (several instances: nothing in memory). */
interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  maxAge?: number;
  at: number;
}

/** How long a started login may take before its callback is refused (the interaction itself lives 60 minutes). */
export const PENDING_LOGIN_SECONDS = 3600;
const SEAL_CONTEXT = 'account-area-login';

/** Only paths of the account area are followed after a login (no open redirect, CWE-601); anything else → /account. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500) return '/account';
  if (!/^\/account(?:[/?#]|$)/.test(value) || value.includes('\\') || /\p{Cc}/u.test(value)) return '/account';
  // A resolved path that stays under /account (no "/account/../x", no "//host").
  const resolved = new URL(value, 'http://kontor.invalid');
  return resolved.origin === 'http://kontor.invalid' && /^\/account(?:\/|$)/.test(resolved.pathname) ? `${resolved.pathname}${resolved.search}` : '/account';
}

/**
 * The account area's side of the code flow with Kontor's own issuer, through openid-client like any portal
 * (ARCHITECTURE.md: re-authentication and step-up are `max_age`/`acr_values`): PKCE S256, `state` and
 * `nonce`, the pending values sealed with AES-GCM under a key derived from KONTOR_SECRET, the code exchanged
 * and the ID token validated by openid-client. Discovery is fetched once per process. Every instance must
 * reach its issuer URL (docs/operations.md); plain http is allowed only for a loopback issuer.
 */
export class AccountLogin {
  private readonly issuer: URL;
  private readonly uris: ReturnType<typeof accountAreaUris>;
  private readonly clientSecret: string;
  private readonly sealKey: Buffer;
  private readonly clock: Clock;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(issuer: string, secret: string, clock: Clock) {
    this.issuer = new URL(issuer);
    this.uris = accountAreaUris(issuer);
    this.clientSecret = accountClientSecret(secret);
    this.sealKey = deriveKey(secret, 'account-area-login');
    this.clock = clock;
  }

  /** The authorization URL to send the browser to and the sealed pending login for the cookie. */
  async start(request: AccountLoginRequest): Promise<{ url: string; sealed: string }> {
    const config = await this.discover();
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo: request.returnTo,
      ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
      at: this.nowSeconds(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.uris.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      // The ID token's `sid` (OIDC Front-/Back-Channel Logout) ties the area's session to the IdP session;
      // oidc-provider adds it for clients with a logout URI, or when the claims parameter asks (OIDC Core §5.5).
      claims: JSON.stringify({ id_token: { sid: null } }),
      ...(request.maxAge !== undefined ? { max_age: String(request.maxAge) } : {}),
      ...(request.prompt ? { prompt: request.prompt } : {}),
      ...(request.acrValues ? { acr_values: request.acrValues } : {}),
      ...(request.uiLocales ? { ui_locales: request.uiLocales } : {}),
    });
    return { url: url.href, sealed: encrypt(this.sealKey, JSON.stringify(pending), SEAL_CONTEXT) };
  }

  /**
   * Completes the login at the callback: the sealed pending login must be readable and recent, the code is
   * redeemed (PKCE verifier, state and nonce checked by openid-client) and the ID token's claims returned.
   * Any failure is one AppError: the person starts again.
   */
  async finish(callbackUrl: URL, sealed: string | undefined): Promise<{ login: AccountAreaLogin; returnTo: string }> {
    const pending = this.open(sealed);
    if (!pending) throw new AppError('account.login_failed', 400);
    const config = await this.discover();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        ...(pending.maxAge !== undefined ? { maxAge: pending.maxAge } : {}),
      });
    } catch (error) {
      const denied = (error as { error?: unknown }).error === 'access_denied';
      throw new AppError(denied ? 'account.login_cancelled' : 'account.login_failed', 400);
    }
    const claims = tokens.claims();
    if (!claims || typeof claims.sid !== 'string' || typeof claims.auth_time !== 'number') throw new AppError('account.login_failed', 400);
    return {
      login: {
        accountId: claims.sub,
        idpSid: claims.sid,
        authTime: claims.auth_time,
        amr: Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : [],
        acr: typeof claims.acr === 'string' ? claims.acr : null,
        idToken: tokens.id_token,
      },
      returnTo: pending.returnTo,
    };
  }

  /** Kontor's end_session_endpoint with this client's logout parameters (OIDC RP-Initiated Logout 1.0 §2). */
  async logoutUrl(idTokenHint: string | undefined): Promise<string> {
    const config = await this.discover();
    return oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: this.uris.postLogoutRedirectUri,
      ...(idTokenHint ? { id_token_hint: idTokenHint } : {}),
    }).href;
  }

  private open(sealed: string | undefined): PendingLogin | undefined {
    if (!sealed) return undefined;
    try {
      const pending = JSON.parse(decrypt(this.sealKey, sealed, SEAL_CONTEXT)) as PendingLogin;
      return this.nowSeconds() - pending.at <= PENDING_LOGIN_SECONDS ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  private discover(): Promise<oidc.Configuration> {
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(this.issuer.hostname);
    const insecure = this.issuer.protocol === 'http:' && loopback ? { execute: [oidc.allowInsecureRequests] } : undefined;
    this.configuration ??= oidc.discovery(this.issuer, ACCOUNT_CLIENT_ID, this.clientSecret, undefined, insecure).catch((error: unknown) => {
      this.configuration = undefined; // try again on the next login
      throw error;
    });
    return this.configuration;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
