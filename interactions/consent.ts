import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { finishInteraction, finishWithoutSession, type InteractionDetails } from './interaction-context.ts';
import { AppError } from '../src/shared/app-error.ts';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** The portal as the consent page presents it: who receives the data, where it is, how to reach it. */
async function portalOf(deps: InteractionDeps, clientId: unknown) {
  const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
  const clientUri = client?.clientUri as string | undefined;
  const contacts = (client?.metadata().contacts as string[] | undefined) ?? [];
  return {
    name: client?.clientName ?? (typeof clientId === 'string' ? clientId : ''),
    // The host is what a person can check against the address bar of the portal they came from.
    host: clientUri && URL.canParse(clientUri) ? new URL(clientUri).host : undefined,
    url: clientUri,
    contacts: contacts.join(', ') || undefined,
    // Only the portal's own statement: none registered, no link (never a guess).
    privacyUrl: client?.policyUri as string | undefined,
  };
}

/** GET: names the person logged in, the portal (name, address, contacts, privacy statement) and what it asks for. */
export async function showConsent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const consent = details.prompt.details as ConsentDetails;
  const scopes = (consent.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  const portal = await portalOf(deps, details.params.client_id);
  deps.views.render(
    ctx,
    'interaction/consent',
    {
      uid: details.uid,
      clientName: portal.name,
      portal,
      person: details.session?.accountId ? await deps.displayName(details.session.accountId) : undefined,
      scopes: scopes.map((scope) => ({ key: `consent.scope.${scope}` })),
      claims: (consent.missingOIDCClaims ?? []).map((claim) => ({ key: `consent.claim.${claim}` })),
      onlyIdentifier: scopes.length === 0 && (consent.missingOIDCClaims ?? []).length === 0,
    },
    { title: 'consent.title' },
  );
}

/** POST accept: records the grant for exactly what was asked, then continues the authorization. */
export async function submitConsent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  if (details.prompt.name !== 'consent') throw new AppError('interaction.unexpected_step', 400);
  const { accountId } = details.session ?? {};
  const clientId = details.params.client_id;
  if (!accountId || typeof clientId !== 'string') throw new AppError('interaction.expired', 400);
  const Grant = deps.provider.Grant;
  const grant = details.grantId ? await Grant.find(details.grantId) : new Grant({ accountId, clientId });
  if (!grant) throw new AppError('interaction.expired', 400);
  const consent = details.prompt.details as ConsentDetails;
  if (consent.missingOIDCScope) grant.addOIDCScope(consent.missingOIDCScope.join(' '));
  if (consent.missingOIDCClaims) grant.addOIDCClaims(consent.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(consent.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  // Names of scopes and claims only: what the person agreed to release, never the values.
  await deps.audit({
    type: 'consent.granted',
    accountId,
    clientId,
    ip: ctx.ip,
    details: { scopes: consent.missingOIDCScope ?? [], claims: consent.missingOIDCClaims ?? [] },
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
  const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
  if (details.prompt.name === 'consent' && accountId) {
    const consent = details.prompt.details as ConsentDetails;
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
