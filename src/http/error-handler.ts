import type { Context, Next } from 'koa';
import type { Logger } from '../shared/logger.ts';
import { AppError } from '../shared/app-error.ts';
import type { Views } from './views.ts';

/** Where the error page sends a person back to: their portal when a handler knew it, else our start page. */
export interface BackLink {
  url: string;
  /** The portal's name; absent for the start page. */
  name?: string;
}

/**
 * Handlers that know the portal set `ctx.state.portalLink` (resolved only when an error is shown); the
 * error page then leads back there instead of leaving a dead end.
 */
export type PortalLinkResolver = () => Promise<BackLink | undefined>;

/** Codes whose page is not a failure and gets its own heading ("Sie sind bereits angemeldet"). */
const HEADINGS: Record<string, string> = {
  'interaction.already_logged_in': 'error.heading_already_logged_in',
  'interaction.cookies_missing': 'error.heading_cookies_missing',
  'interaction.unknown': 'error.heading_unknown_link',
  'registration.expired': 'error.heading_registration_expired',
};

/** Renders an error as the error page (or JSON for API clients); internals are logged, never shown. */
export function errorResponder(logger: Logger, views: Views) {
  return (ctx: Context, error: unknown): void => {
    const known = error instanceof AppError;
    // Client errors raised by middleware (koa-body's 413 for an oversized form, say) keep their status.
    const httpStatus = (error as { status?: unknown }).status;
    const clientError = !known && typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500;
    const status = known ? error.status : clientError ? httpStatus : 500;
    if (!known && !clientError) logger.error({ err: error, path: ctx.path }, 'unhandled error');
    // An error that says when to come back (a 503 of the password hasher's full queue): RFC 9110 §10.2.3.
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (known && typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
    const messageKey = known ? `error.${error.code}` : clientError ? 'error.request.invalid' : 'error.internal';
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = status;
      ctx.body = { error: known ? error.code : 'server_error' };
      return;
    }
    const headingKey = (known && HEADINGS[error.code]) || 'error.heading';
    views.render(
      ctx,
      'error',
      { messageKey, headingKey, back: backLinkOf(ctx) },
      { status, title: headingKey === 'error.heading' ? 'error.title' : headingKey },
    );
  };
}

export type ErrorResponder = ReturnType<typeof errorResponder>;

/** The way back a handler found (`ctx.state.back`), else the start page: no error page is a dead end. */
export function backLinkOf(ctx: Context): BackLink {
  return (ctx.state.back as BackLink | undefined) ?? { url: '/' };
}

/** Our routes' errors become the error page; a route that answered nothing gets the 404 page. */
export function errorHandler(logger: Logger, views: Views) {
  const respond = errorResponder(logger, views);
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        views.render(ctx, 'not-found', { back: backLinkOf(ctx) }, { status: 404, title: 'not_found.title' });
      }
    } catch (error) {
      const resolve = ctx.state.portalLink as PortalLinkResolver | undefined;
      if (resolve && !ctx.state.back) ctx.state.back = await resolve().catch(() => undefined);
      respond(ctx, error);
    }
  };
}
