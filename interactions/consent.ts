import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, finishInteraction, type InteractionDetails } from './interaction-context.ts';
import { AppError } from '../src/shared/app-error.ts';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** GET: names the portal and what it asks for. */
export async function showConsent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const consent = details.prompt.details as ConsentDetails;
  const scopes = (consent.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  deps.views.render(
    ctx,
    'interaction/consent',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
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

/** POST abort: the person declined; the portal receives access_denied (OIDC Core §3.1.2.6). */
export async function abortInteraction(deps: InteractionDeps, ctx: Context): Promise<void> {
  // The route checked the interaction already; read again here to know whether a consent was declined
  // (cancelling the login page is no decision about data and has no account to record it for).
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.session?.accountId;
  if (details.prompt.name === 'consent' && accountId) {
    const consent = details.prompt.details as ConsentDetails;
    await deps.audit({
      type: 'consent.declined',
      accountId,
      clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
      ip: ctx.ip,
      details: { scopes: consent.missingOIDCScope ?? [], claims: consent.missingOIDCClaims ?? [] },
    });
  }
  await finishInteraction(deps.provider, ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
}
