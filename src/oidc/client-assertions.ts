import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** Longest accepted `exp - iat` of a client assertion: enough for clock skew and a slow network, no more. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** Endpoints that accept client authentication; those not enabled have no route and are skipped. */
const AUTHENTICATED_ENDPOINTS = ['token', 'introspection', 'revocation', 'pushed_authorization_request', 'backchannel_authentication', 'device_authorization'];

const audiencesByProvider = new WeakMap<Provider, ReadonlySet<string>>();

/**
 * The audiences a client assertion may name: the issuer identifier and the URLs of Kontor's
 * authenticated endpoints, all derived from the configured issuer. oidc-provider's own list
 * (`clientJwtAuthExpectedAudience`) is built from the request URL, so a request with a foreign Host header
 * would make it accept an assertion addressed to another server.
 */
function trustedAudiences(provider: Provider): ReadonlySet<string> {
  let audiences = audiencesByProvider.get(provider);
  if (!audiences) {
    const urls = new Set([provider.issuer]);
    for (const name of AUTHENTICATED_ENDPOINTS) {
      try {
        urls.add(provider.urlFor(name));
      } catch {
        // not enabled: no route of that name
      }
    }
    audiences = urls;
    audiencesByProvider.set(provider, audiences);
  }
  return audiences;
}

/**
 * oidc-provider's `assertJwtClientAuthClaimsAndHeader` hook, run after it verified the signature, `iss`,
 * `exp` and `jti` (and before the `jti` replay check) of a `private_key_jwt` assertion (RFC 7523 §3, OIDC
 * Core §9):
 * - every `aud` value must be one of {@link trustedAudiences}. One foreign value among good ones is refused
 *   too: an assertion also addressed elsewhere could have been obtained there ("audience injection",
 *   draft-ietf-oauth-rfc7523bis §4, which makes the issuer identifier the only audience);
 * - `iat` is required and `exp - iat` at most {@link MAX_ASSERTION_LIFETIME_SECONDS}: a long-lived assertion
 *   is a bearer credential an intercepting party could reuse for its whole lifetime at another endpoint
 *   (the `jti` replay store only helps where it was presented).
 */
export async function assertClientAssertion(ctx: KoaContextWithOIDC, claims: Record<string, unknown>): Promise<void> {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const trusted = trustedAudiences(ctx.oidc.provider);
  if (audiences.length === 0 || !audiences.every((aud) => typeof aud === 'string' && trusted.has(aud))) {
    throw new errors.InvalidClientAuth('audience (aud) must be the issuer identifier');
  }
  if (typeof claims.iat !== 'number') throw new errors.InvalidClientAuth('iat (issued at) must be provided in the client_assertion JWT');
  if (typeof claims.exp !== 'number' || claims.exp - claims.iat > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new errors.InvalidClientAuth(`client_assertion must not be valid for more than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds (exp - iat)`);
  }
}
