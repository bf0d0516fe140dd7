import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import type { UnavailableClaim } from '../src/oidc/index.ts';
import { claimLabel, withheldReason } from './consent-view.ts';

/**
 * The page for essential claims that cannot be sent (missing, or below the level the portal requires): it names each one and why, and offers one way on, back to the portal, which then
 * receives access_denied naming the claims (consent.ts abortInteraction). Nothing is released silently and
 * nothing incomplete is released (TRUST-AND-CLAIMS.md).
 */
export async function showUnavailable(deps: InteractionDeps, ctx: Context, details: InteractionDetails, unavailable: UnavailableClaim[]): Promise<void> {
  const t = deps.views.translator(ctx);
  const clientId = details.params.client_id;
  const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
  const clientName = client?.clientName ?? (typeof clientId === 'string' ? clientId : '');
  const purpose = client?.metadata().sk_purpose;
  deps.views.render(
    ctx,
    'interaction/consent-unavailable',
    {
      uid: details.uid,
      clientName,
      purpose: typeof purpose === 'string' && purpose !== '' ? purpose : undefined,
      claims: unavailable.map((claim) => ({
        name: claim.name,
        label: claimLabel(t, claim.name),
        reason: withheldReason(t, claim as Parameters<typeof withheldReason>[1]),
      })),
    },
    { title: 'consent.unavailable_title', status: 200 },
  );
}
