import { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClaimDecision, ClaimsComposer, ComposeInput } from '../consent/index.ts';
import { levelOfAcr, type AuthenticationLevel } from '../trust/index.ts';

const { Check } = interactionPolicy;

/** The consent prompt's reason when an essential claim cannot be released (the person is told, then access_denied). */
export const ESSENTIAL_CLAIMS_UNAVAILABLE = 'essential_claims_unavailable';

/**
 * The statuses that stop a request when the claim is essential (issue 16, TRUST-AND-CLAIMS.md: "missing or
 * below the required level"). A claim the client is not registered for is never released either, but that
 * is the portal's registration, not the person's data: it is withheld (and shown as not sent) like any other.
 */
const UNAVAILABLE = new Set(['below_level', 'missing']);

/** How a client's consent is kept (client metadata `sk_consent`, `sk_first_party`). */
export type ConsentMode = 'every_time' | 'remembered' | 'first_party';

/** The consent mode of a client's metadata: every time unless the deployment chose otherwise. */
export function consentModeOf(metadata: Record<string, unknown>): ConsentMode {
  if (metadata.sk_first_party === true) return 'first_party';
  return metadata.sk_consent === 'remembered' ? 'remembered' : 'every_time';
}

/** An essential claim that cannot be released, as the consent prompt's details carry it (names, never values). */
export interface UnavailableClaim {
  name: string;
  status: 'below_level' | 'missing';
  level?: string;
  requiredLevel?: string;
}

/**
 * The claims parameter's id_token and userinfo members as one request (OIDC Core §5.5): the consent page
 * asks once for both uses; a claim is essential when either member says so.
 */
export function requestedClaimsOf(claimsParameter: unknown): ComposeInput['requested'] {
  let parsed: unknown = claimsParameter;
  if (typeof claimsParameter === 'string') {
    try {
      parsed = JSON.parse(claimsParameter);
    } catch {
      return {};
    }
  }
  const requested: ComposeInput['requested'] = {};
  if (!parsed || typeof parsed !== 'object') return requested;
  for (const member of ['id_token', 'userinfo'] as const) {
    const entries = (parsed as Record<string, unknown>)[member];
    if (!entries || typeof entries !== 'object') continue;
    for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
      const essential = typeof value === 'object' && value !== null && (value as { essential?: unknown }).essential === true;
      requested[name] = essential || requested[name]?.essential ? { essential: true } : (requested[name] ?? null);
    }
  }
  return requested;
}

/** What the consent preview composes for one authorization request: the requested scopes and claims, nothing rejected yet. */
export function consentPreviewInput(request: { accountId: string; clientId: string; acr?: string; scope?: string; claims?: unknown }): ComposeInput {
  const sessionLevel: AuthenticationLevel = (request.acr && levelOfAcr(request.acr)) || 'niedrig';
  return {
    accountId: request.accountId,
    clientId: request.clientId,
    sessionLevel,
    scopes: (request.scope ?? '').split(' ').filter(Boolean),
    requested: requestedClaimsOf(request.claims),
    rejected: [],
    use: 'consent',
  };
}

/** The essential claims among `decisions` that cannot be released. */
export function unavailableEssentials(decisions: ClaimDecision[]): UnavailableClaim[] {
  return decisions
    .filter((decision) => decision.essential && UNAVAILABLE.has(decision.status))
    .map((decision) => ({
      name: decision.name,
      status: decision.status as UnavailableClaim['status'],
      ...(decision.level ? { level: decision.level } : {}),
      ...(decision.requiredLevel ? { requiredLevel: decision.requiredLevel } : {}),
    }));
}

/** The error_description a portal receives for essential claims that could not be released (ASCII, RFC 6749 §4.1.2.1). */
export function unavailableDescription(claims: UnavailableClaim[]): string {
  return `essential claims cannot be released: ${claims.map((claim) => `${claim.name} (${claim.status})`).join(', ')}`;
}

const unavailableOf = Symbol('unavailableEssentials');

/**
 * Adds the essential-claims check to the consent prompt, first: an essential requested claim that is missing
 * or below its level stops the request at the consent step, also for remembered and
 * first-party consent (TRUST-AND-CLAIMS.md: "never silently"). The page tells the person and leads back to
 * the portal with access_denied; with prompt=none the portal gets access_denied at once (OIDC Core §3.1.2.6).
 */
export function withConsentChecks<P extends ReturnType<typeof interactionPolicy.base>>(policy: P, composer: ClaimsComposer): P {
  const consent = policy.get('consent');
  if (!consent) throw new Error('oidc-provider policy without a consent prompt');
  consent.checks.unshift(
    new Check(
      ESSENTIAL_CLAIMS_UNAVAILABLE,
      'essential claims cannot be released',
      'access_denied',
      async (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        if (!oidc.params || !oidc.session) return Check.NO_NEED_TO_PROMPT;
        const requested = requestedClaimsOf(oidc.params.claims);
        // No essential claim asked for: nothing to judge before the consent (and no composition to pay for).
        if (!Object.values(requested).some((entry) => entry?.essential) || !oidc.session.accountId || !oidc.client) return Check.NO_NEED_TO_PROMPT;
        const composition = await composer.compose(
          consentPreviewInput({
            accountId: oidc.session.accountId,
            clientId: oidc.client.clientId,
            acr: oidc.session.acr,
            scope: oidc.params.scope as string | undefined,
            claims: oidc.params.claims,
          }),
        );
        const unavailable = composition ? unavailableEssentials(composition.decisions) : [];
        if (unavailable.length === 0) return Check.NO_NEED_TO_PROMPT;
        // prompt=none: no page to tell the person on, so the portal learns at once which claims (oidc-provider
        // would only pass on this check's fixed description).
        if (oidc.promptPending('none'))
          throw Object.assign(new errors.AccessDenied(unavailableDescription(unavailable)), { status: 303, statusCode: 303, expose: true });
        (ctx.oidc as unknown as Record<symbol, unknown>)[unavailableOf] = unavailable;
        return Check.REQUEST_PROMPT;
      },
      (ctx: KoaContextWithOIDC) => ({ unavailableEssentialClaims: (ctx.oidc as unknown as Record<symbol, unknown>)[unavailableOf] }),
    ),
  );
  return policy;
}

/**
 * oidc-provider's `loadExistingGrant` by consent mode:
 * - every time (default; seed 003's "einmalige Weitergabe"): only the grant the consent of this very
 *   authorization made, so every authorization asks again;
 * - remembered: the session's grant for the client as well (oidc-provider's default), until revoked;
 * - first party: no consent page; the grant is made (or extended) for what was requested, within what the
 *   client may ask for (oidc-provider already refused scopes outside its `scope`; the composer withholds
 *   claims it is not registered for).
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const { client, session } = oidc;
  if (!client || !session) return undefined;
  const fromConsent = (oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
  const mode = consentModeOf(client.metadata() as Record<string, unknown>);
  if (mode === 'every_time') return fromConsent ? oidc.provider.Grant.find(fromConsent) : undefined;
  const grantId = fromConsent ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (mode === 'remembered') return existing;
  const accountId = session.accountId;
  if (!accountId) return existing;
  const grant = existing ?? new oidc.provider.Grant({ accountId, clientId: client.clientId });
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

/** Puts the consent policy into a provider configuration: `loadExistingGrant` and the essential-claims check. */
export function applyConsentPolicy(configuration: Configuration, composer: ClaimsComposer): void {
  const policy = configuration.interactions?.policy;
  if (!policy) throw new Error('the provider configuration has no interaction policy to add the consent checks to');
  withConsentChecks(policy as ReturnType<typeof interactionPolicy.base>, composer);
  configuration.loadExistingGrant = loadExistingGrant as NonNullable<Configuration['loadExistingGrant']>;
}
