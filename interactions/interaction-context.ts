import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../src/shared/app-error.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Loads the interaction bound to this browser (oidc-provider checks the interaction cookie) and makes
 * sure it is the one named in the URL. An expired or foreign interaction gets a clear error page.
 */
export async function loadInteraction(provider: Provider, ctx: Context, uid: string): Promise<InteractionDetails> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    throw new AppError('interaction.expired', 400);
  }
  if (details.uid !== uid) throw new AppError('interaction.expired', 400);
  return details;
}

/** Ends the interaction step and sends the browser back to the provider (303: POST → GET). */
export async function finishInteraction(provider: Provider, ctx: Context, result: Parameters<Provider['interactionResult']>[2]): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** The portal's name for the pages: a person must see where they are signing in. */
export async function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
  return client?.clientName ?? (typeof clientId === 'string' ? clientId : '');
}
