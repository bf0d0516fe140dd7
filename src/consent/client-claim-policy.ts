import { levelNamed, type TrustLevel } from '../trust/index.ts';
import { SCOPE_CLAIMS, type ClaimScope } from './claim-catalogue.ts';

/** OpenID Connect Registration: a client registered without `scope` may ask for these. */
export const DEFAULT_CLIENT_SCOPES = ['openid', 'profile', 'email'];

/** What one client is registered to receive. */
export interface ClientClaimPolicy {
  /** Its registered scopes (`scope`). */
  scopes: string[];
  /** The claims it may receive (`sk_claims`, by default every claim of its scopes). */
  claims: ReadonlySet<string>;
  /** Its minimum level per claim (`sk_claim_levels`). */
  levels: Readonly<Record<string, TrustLevel>>;
}

/**
 * A client's registration as the composer applies it. Metadata it cannot read grants nothing: an unknown
 * client receives no claim at all.
 */
export function claimPolicyOf(metadata: Record<string, unknown> | undefined): ClientClaimPolicy {
  if (!metadata) return { scopes: [], claims: new Set(), levels: {} };
  const scopes = typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : DEFAULT_CLIENT_SCOPES;
  const claims = Array.isArray(metadata.sk_claims)
    ? metadata.sk_claims.filter((claim): claim is string => typeof claim === 'string')
    : scopes.flatMap((scope) => (Object.hasOwn(SCOPE_CLAIMS, scope) ? [...SCOPE_CLAIMS[scope as ClaimScope]] : []));
  const levels: Record<string, TrustLevel> = {};
  const registered = metadata.sk_claim_levels;
  if (registered && typeof registered === 'object') {
    for (const [claim, name] of Object.entries(registered)) {
      const level = typeof name === 'string' ? levelNamed(name) : undefined;
      // An unreadable minimum withholds the claim rather than releasing it below what was meant.
      levels[claim] = level ?? 'hoch';
    }
  }
  return { scopes, claims: new Set(claims), levels };
}
