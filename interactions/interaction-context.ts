import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { AppError } from '../src/shared/app-error.ts';
import { negotiateLocale } from '../src/i18n/index.ts';
import { portalOf } from './interaction-origin.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Loads the interaction bound to this browser (oidc-provider checks the interaction cookie) and makes
 * sure it is the one named in the URL. When it cannot, `whyGone` says why in the person's terms. Error
 * pages raised later lead back to the interaction's portal (`ctx.state.portalLink`, error-handler.ts).
 */
export async function loadInteraction(provider: Provider, ctx: Context, uid: string): Promise<InteractionDetails> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    // No or unknown interaction cookie. Anything else (the database, say) is a real failure and must
    // reach the error log.
    if (error instanceof errors.SessionNotFound || error instanceof errors.InvalidRequest) throw await whyGone(provider, ctx, uid);
    throw error;
  }
  if (details.uid !== uid) throw await whyGone(provider, ctx, uid);
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
  ctx.state.clientId = clientId;
  ctx.state.portalLink = () => portalOf(provider, clientId);
  // ui_locales may have come by PAR or POST, out of sight of the locale middleware (OIDC Core §3.1.2.1);
  // an explicit ?lang= choice on our pages still wins.
  if (typeof details.params.ui_locales === 'string' && typeof ctx.query.lang !== 'string') {
    ctx.state.locale = negotiateLocale([details.params.ui_locales, ctx.state.locale as string]);
  }
  return details;
}

/**
 * Why this browser has no usable interaction `uid`, as the error to show (each with its own message):
 * - the interaction is alive but the browser did not send its cookie: cookies are blocked or were lost;
 * - it is gone but the browser holds a login session: the login was completed and the person came back
 *   (the browser's back button), so they are already logged in;
 * - otherwise it has expired (or never existed: the ids are random, the two cannot be told apart).
 * The way back is the portal where one is known.
 */
export async function whyGone(provider: Provider, ctx: Context, uid: string): Promise<AppError> {
  const interaction = await provider.Interaction.find(uid);
  const cookie = ctx.cookies.get(provider.cookieName('interaction'), { signed: true });
  if (interaction && cookie !== uid) {
    const clientId = interaction.params.client_id;
    ctx.state.back = await portalOf(provider, typeof clientId === 'string' ? clientId : null);
    return new AppError('interaction.cookies_missing', 400);
  }
  const session = await browserSession(provider, ctx);
  if (session?.accountId) {
    ctx.state.back = await portalOf(provider, Object.keys(session.authorizations ?? {}).at(-1));
    return new AppError('interaction.already_logged_in', 400);
  }
  return new AppError('interaction.expired', 400);
}

/** The provider's login session of this browser, if it has one (its cookie is signed with the app's keys). */
export async function browserSession(provider: Provider, ctx: Context): Promise<{ accountId?: string; authorizations?: Record<string, unknown> } | undefined> {
  const id = ctx.cookies.get(provider.cookieName('session'), { signed: true });
  if (!id) return undefined;
  return (await provider.Session.find(id)) ?? undefined;
}

/** How long an interaction lives without a step (provider.ts `ttl.Interaction`); stated on the pages. */
export const INTERACTION_MINUTES = 60;

/**
 * Gives the interaction `INTERACTION_MINUTES` again from now (WCAG 2.2.1 Timing Adjustable: a person
 * filling in a long registration is not cut off while still working): the stored interaction and both of
 * its cookies (oidc-provider sets them with the interaction's lifetime, signed with the app's keys).
 */
export async function extendInteraction(provider: Provider, ctx: Context, uid: string, secure: boolean): Promise<void> {
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) return;
  const seconds = INTERACTION_MINUTES * 60;
  await interaction.save(seconds);
  const options = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure, maxAge: seconds * 1000, overwrite: true };
  ctx.cookies.set(provider.cookieName('interaction'), uid, { ...options, path: `/interaction/${uid}` });
  ctx.cookies.set(provider.cookieName('resume'), uid, { ...options, path: new URL(interaction.returnTo).pathname });
}

/** Ends the interaction step and sends the browser back to the provider (303: POST → GET). */
export async function finishInteraction(provider: Provider, ctx: Context, result: Parameters<Provider['interactionResult']>[2]): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/**
 * Ends the interaction step with `result` and the browser's login session with it, for a person who is
 * not (or no longer wants to be) the one logged in: "Nicht Sie?" and a consent declined right after the
 * login, which must not leave a session for the next person at a shared computer. The interaction
 * forgets its session (oidc-provider's resume then takes the fresh, empty one instead of refusing a
 * mismatch, as it does itself when the account changes), the session is deleted and its cookie cleared.
 * Back-channel logout is not sent: no portal received a token of this session from this request.
 */
export async function finishWithoutSession(
  provider: Provider,
  ctx: Context,
  details: InteractionDetails,
  result: Parameters<Provider['interactionResult']>[2],
): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  const interaction = await provider.Interaction.find(details.uid);
  if (interaction?.session) {
    delete (interaction.session as { uid?: string }).uid;
    await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
  }
  const sessionId = details.session?.cookie;
  const session = sessionId ? await provider.Session.find(sessionId) : undefined;
  await session?.destroy();
  ctx.cookies.set(provider.cookieName('session'), null, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** The portal's name for the pages: a person must see where they are signing in. */
export async function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
  return client?.clientName ?? (typeof clientId === 'string' ? clientId : '');
}
