import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { finishInteraction, finishWithoutSession, type InteractionDetails } from './interaction-context.ts';
import { AppError } from '../src/shared/app-error.ts';
import { consentModeOf, consentPreviewInput, ESSENTIAL_CLAIMS_UNAVAILABLE, unavailableDescription, type UnavailableClaim } from '../src/oidc/index.ts';
import { consentClaims } from './consent-view.ts';
import { consentForm } from './consent.schemas.ts';
import { showUnavailable } from './consent-unavailable.ts';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
  unavailableEssentialClaims?: UnavailableClaim[];
}

/** The portal as the consent page presents it: who receives the data, where it is, how to reach it, and why it asks. */
async function portalOf(deps: InteractionDeps, clientId: unknown) {
  const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
  const metadata = (client?.metadata() ?? {}) as Record<string, unknown>;
  const clientUri = client?.clientUri as string | undefined;
  const contacts = (metadata.contacts as string[] | undefined) ?? [];
  const text = (key: string) => (typeof metadata[key] === 'string' && metadata[key] !== '' ? (metadata[key] as string) : undefined);
  const logoUri = text('logo_uri');
  return {
    name: client?.clientName ?? (typeof clientId === 'string' ? clientId : ''),
    // The host is what a person can check against the address bar of the portal they came from.
    host: clientUri && URL.canParse(clientUri) ? new URL(clientUri).host : undefined,
    url: clientUri,
    contacts: contacts.join(', ') || undefined,
    // Only the portal's own statement: none registered, no link (never a guess).
    privacyUrl: client?.policyUri as string | undefined,
    logoUri: logoUri && URL.canParse(logoUri) ? logoUri : undefined,
    organisation: text('sk_organisation'),
    // The authority's postal address, one line per line as registered.
    postalAddress: text('sk_address')?.split('\n'),
    purpose: text('sk_purpose'),
    remembered: consentModeOf(metadata) === 'remembered',
  };
}

/** What would leave Kontor if the person agreed now: the composer's preview for the requested scopes and claims. */
async function previewOf(deps: InteractionDeps, details: InteractionDetails) {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (!accountId || typeof clientId !== 'string') throw new AppError('interaction.expired', 400);
  const input = consentPreviewInput({
    accountId,
    clientId,
    acr: (details.session as { acr?: string } | undefined)?.acr,
    scope: typeof details.params.scope === 'string' ? details.params.scope : undefined,
    claims: details.params.claims,
  });
  const composition = await deps.composer.compose(input);
  // No active account any more (deleted or locked meanwhile): this login cannot go on.
  if (!composition) throw new AppError('interaction.expired', 400);
  return { composition, input };
}

/** GET: names the person logged in, the portal and each claim it asks for with the value that would be sent. */
export async function showConsent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const consent = details.prompt.details as ConsentDetails;
  if (details.prompt.reasons.includes(ESSENTIAL_CLAIMS_UNAVAILABLE)) return showUnavailable(deps, ctx, details, consent.unavailableEssentialClaims ?? []);
  const portal = await portalOf(deps, details.params.client_id);
  const t = deps.views.translator(ctx);
  const locale = (ctx.state.locale as string | undefined) ?? 'de';
  const { composition, input } = await previewOf(deps, details);
  const claims = consentClaims(t, locale, composition.decisions, new Set(Object.keys(input.requested)));
  const offline = (consent.missingOIDCScope ?? []).includes('offline_access');
  deps.views.render(
    ctx,
    'interaction/consent',
    {
      uid: details.uid,
      clientName: portal.name,
      portal,
      person: details.session?.accountId ? await deps.displayName(details.session.accountId) : undefined,
      claims,
      offline,
      remembered: portal.remembered,
      onlyIdentifier: claims.released.length === 0 && claims.withheld.length === 0,
    },
    { title: 'consent.title', imageOrigins: portal.logoUri ? [new URL(portal.logoUri).origin] : [] },
  );
}

/**
 * POST accept: records the grant for what was asked, minus the optional claims the person unticked
 * (oidc-provider's rejected claims; the composer then withholds them as not_consented in the ID token and
 * userinfo). Only optional claims can be unticked: the list is worked out again here, never taken from the form.
 */
export async function submitConsent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  if (details.prompt.name !== 'consent') throw new AppError('interaction.unexpected_step', 400);
  // Essential data that cannot be sent: there is nothing to agree to (the page offers only the way back).
  if (details.prompt.reasons.includes(ESSENTIAL_CLAIMS_UNAVAILABLE)) throw new AppError('interaction.unexpected_step', 400);
  const { accountId } = details.session ?? {};
  const clientId = details.params.client_id;
  if (!accountId || typeof clientId !== 'string') throw new AppError('interaction.expired', 400);
  const form = consentForm.safeParse(ctx.request.body ?? {});
  if (!form.success) throw new AppError('interaction.unexpected_step', 400);
  const ticked = new Set(form.data);
  const optional = (await previewOf(deps, details)).composition.decisions.filter((decision) => decision.status === 'released' && !decision.essential);
  const unticked = optional.map((decision) => decision.name).filter((name) => !ticked.has(name));
  const Grant = deps.provider.Grant;
  const grant = details.grantId ? await Grant.find(details.grantId) : new Grant({ accountId, clientId });
  if (!grant) throw new AppError('interaction.expired', 400);
  const consent = details.prompt.details as ConsentDetails;
  if (consent.missingOIDCScope) grant.addOIDCScope(consent.missingOIDCScope.join(' '));
  if (consent.missingOIDCClaims) grant.addOIDCClaims(consent.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(consent.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  if (unticked.length) grant.rejectOIDCClaims(unticked);
  const grantId = await grant.save();
  // Names of scopes and claims only: what the person agreed to release, never the values.
  await deps.audit({
    type: 'consent.granted',
    accountId,
    clientId,
    ip: ctx.ip,
    details: { scopes: consent.missingOIDCScope ?? [], claims: consent.missingOIDCClaims ?? [], rejected: unticked },
  });
  await finishInteraction(deps.provider, ctx, { consent: { grantId } });
}

/**
 * POST "Nicht Sie? Mit anderem Konto anmelden": ends this login session and resumes the same authorization
 * request with an empty result; with no session left, the provider asks for a login again (a new
 * interaction, the same portal request: its state, nonce and PKCE challenge carry over).
 */
export async function switchAccount(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  if (details.prompt.name !== 'consent') throw new AppError('interaction.unexpected_step', 400);
  const accountId = details.session?.accountId;
  if (accountId)
    await deps.audit({
      type: 'session.ended',
      accountId,
      clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
      ip: ctx.ip,
      details: { reason: 'switch_account' },
    });
  await finishWithoutSession(deps.provider, ctx, details, {});
}

/** POST abort: the person declined; the portal receives access_denied (OIDC Core §3.1.2.6). */
export async function abortInteraction(deps: InteractionDeps, ctx: Context): Promise<void> {
  // The route checked the interaction already; read again here to know whether a consent was declined
  // (cancelling the login page is no decision about data and has no account to record it for).
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.session?.accountId;
  const consent = details.prompt.details as ConsentDetails;
  // Essential data could not be sent: the portal learns which (names only), the person saw why (consent-unavailable.ts).
  if (details.prompt.name === 'consent' && details.prompt.reasons.includes(ESSENTIAL_CLAIMS_UNAVAILABLE)) {
    return finishInteraction(deps.provider, ctx, {
      error: 'access_denied',
      error_description: unavailableDescription(consent.unavailableEssentialClaims ?? []),
    });
  }
  const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
  if (details.prompt.name === 'consent' && accountId) {
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
    await deps.audit({
      type: 'consent.declined',
      accountId,
      clientId,
      ip: ctx.ip,
      details: { scopes: consent.missingOIDCScope ?? [], claims: consent.missingOIDCClaims ?? [] },
    });
    // Logged in by this very authorization request (the login step's result is its last submission): the
    // person declines what they came for, so the session they just opened ends too. An SSO session from
    // before stays: that login was not made for this portal.
    if ((details.lastSubmission as { login?: unknown } | undefined)?.login) {
      await deps.audit({ type: 'session.ended', accountId, clientId, ip: ctx.ip, details: { reason: 'consent_declined' } });
      return finishWithoutSession(deps.provider, ctx, details, result);
    }
  }
  await finishInteraction(deps.provider, ctx, result);
}
