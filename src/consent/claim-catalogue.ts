/**
 * The claims per scope (TRUST-AND-CLAIMS.md "Claims"): standard OIDC claims (OIDC Core §5.1, §5.4), then the
 * identity-assurance ones, then Kontor's `sk_` claims.
 */
export const SCOPE_CLAIMS = {
  // acr/amr/auth_time: every ID token states how the person logged in (OIDC Core §2, RFC 8176); sk_authn_means
  // says so in the BundID interface's words; sk_claim_trust gives each released claim's level.
  openid: ['sub', 'acr', 'amr', 'auth_time', 'sk_authn_means', 'sk_claim_trust'],
  profile: ['given_name', 'family_name', 'name', 'birthdate', 'gender', 'title', 'locale'],
  email: ['email', 'email_verified'],
  address: ['address'],
  sk_identity: ['place_of_birth', 'nationalities', 'birth_family_name', 'also_known_as', 'sk_document_type'],
  // The organisation the login chose and the person's roles there for the requesting client only (issue 19).
  sk_organisation: ['sk_org', 'sk_org_roles'],
} as const satisfies Record<string, readonly string[]>;

export type ClaimScope = keyof typeof SCOPE_CLAIMS;
export const CLAIM_SCOPES = Object.keys(SCOPE_CLAIMS) as ClaimScope[];

/** Claims about the login, not about the person: they come from the token, never from an attribute. */
export const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set(SCOPE_CLAIMS.openid);

/** OIDC Core §5.1.1: the members of the address claim, each an attribute `address.<member>`. */
export const ADDRESS_MEMBERS = ['street_address', 'postal_code', 'locality', 'country'] as const;

/**
 * Claims made of other attributes: `name` of the two names, `address` of its members. Every other claim is the
 * attribute of its own name.
 */
export const DERIVED_CLAIMS: Record<string, readonly string[]> = {
  name: ['given_name', 'family_name'],
  address: ADDRESS_MEMBERS.map((member) => `address.${member}`),
};

/** The scopes and claims one deployment can actually supply, as oidc-provider's `claims` configuration wants them. */
export interface ClaimCatalogue {
  /** Scope → its claims that a contributor can supply; scopes with none are left out (except openid). */
  scopes: Record<string, string[]>;
  /** Every claim listed in `claims_supported` (protocol claims included). */
  supported: Set<string>;
  /** The scope a claim belongs to. */
  scopeOf(claim: string): ClaimScope | undefined;
}

/**
 * The catalogue for what the contributors can supply (their attribute names): `claims_supported` and
 * `scopes_supported` then promise only what this deployment can release (sk_identity appears only when a
 * profile field maps to one of its claims).
 */
export function claimCatalogue(supplied: Iterable<string>): ClaimCatalogue {
  const attributes = new Set(supplied);
  const suppliable = (claim: string) => attributes.has(claim) || (DERIVED_CLAIMS[claim]?.some((part) => attributes.has(part)) ?? false);
  const scopes: Record<string, string[]> = {};
  for (const scope of CLAIM_SCOPES) {
    const claims = scope === 'openid' ? [...SCOPE_CLAIMS.openid] : SCOPE_CLAIMS[scope].filter(suppliable);
    if (claims.length) scopes[scope] = claims;
  }
  const byClaim = new Map(CLAIM_SCOPES.flatMap((scope) => SCOPE_CLAIMS[scope].map((claim) => [claim as string, scope] as const)));
  return { scopes, supported: new Set(Object.values(scopes).flat()), scopeOf: (claim) => byClaim.get(claim) };
}

/** OIDC Core §5.1.1 `formatted`: the members in the order a German envelope has them. */
export function formattedAddress(parts: Record<string, unknown>): string {
  const town = [parts.postal_code, parts.locality].filter(Boolean).join(' ');
  return [parts.street_address, town, parts.country].filter(Boolean).join('\n');
}
