import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { AppError } from '../src/shared/app-error.ts';
import { negotiateLocale } from '../src/i18n/index.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Loads the interaction bound to this browser (oidc-provider checks the interaction cookie) and makes
 * sure it is the one named in the URL. An expired or foreign interaction gets a clear error page.
 */
export async function loadInteraction(provider: Provider, ctx: Context, uid: string): Promise<InteractionDetails> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    // No or unknown interaction cookie: the person's login has expired or belongs to another browser.
    // Anything else (the database, say) is a real failure and must reach the error log.
    if (error instanceof errors.SessionNotFound || error instanceof errors.InvalidRequest) throw new AppError('interaction.expired', 400);
    throw error;
  }
  if (details.uid !== uid) throw new AppError('interaction.expired', 400);
  // ui_locales may have come by PAR or POST, out of sight of the locale middleware (OIDC Core §3.1.2.1);
  // an explicit ?lang= choice on our pages still wins.
  if (typeof details.params.ui_locales === 'string' && typeof ctx.query.lang !== 'string') {
    ctx.state.locale = negotiateLocale([details.params.ui_locales, ctx.state.locale as string]);
  }
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
