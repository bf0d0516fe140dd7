/** acr values Kontor emits (BSI TR-03107-1 / TR-03130 vocabulary); see docs TRUST-AND-CLAIMS. */
export const ACR = {
  normal: 'http://bsi.bund.de/eID/LoA/normal',
  substantiell: 'http://bsi.bund.de/eID/LoA/substantiell',
  hoch: 'http://bsi.bund.de/eID/LoA/hoch',
} as const;

export const LEVEL_TO_ACR = { niedrig: ACR.normal, substanziell: ACR.substantiell, hoch: ACR.hoch } as const;

/** Advertised in discovery; comparison by ordinal and the eIDAS/STORK vocabularies come with the trust issue. */
export const ACR_VALUES_SUPPORTED = [ACR.normal, ACR.substantiell, ACR.hoch];

interface AcrRequest {
  essential?: unknown;
  value?: unknown;
  values?: unknown;
}

/**
 * Whether the portal demanded, as essential, an acr that a login at `achieved` does not give: the
 * `claims` request parameter's `id_token.acr` with `essential: true` (OIDC Core §5.5.1.1). oidc-provider
 * then asks for the login again (its `essential_acr`/`essential_acrs` checks compare exactly), and again,
 * forever. `acr_values` is voluntary (§3.1.2.1) and never loops: the token states the acr achieved.
 * `claims` arrives as the request's JSON string (or, from a request object, already parsed).
 */
export function unmetEssentialAcr(claims: unknown, achieved: string): boolean {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return false; // oidc-provider refuses malformed claims before any interaction
    }
  }
  const acr = (parsed as { id_token?: { acr?: AcrRequest | null } } | null)?.id_token?.acr;
  if (acr?.essential !== true) return false;
  if (Array.isArray(acr.values)) return !acr.values.includes(achieved);
  if (typeof acr.value === 'string') return acr.value !== achieved;
  return false;
}
