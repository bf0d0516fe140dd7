import type { Context, Next } from 'koa';
import type { Logger } from '../shared/logger.ts';
import { AppError } from '../shared/app-error.ts';
import type { Views } from './views.ts';

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
    views.render(ctx, 'error', { messageKey }, { status, title: 'error.title' });
  };
}

export type ErrorResponder = ReturnType<typeof errorResponder>;

/** Our routes' errors become the error page; a route that answered nothing gets the 404 page. */
export function errorHandler(logger: Logger, views: Views) {
  const respond = errorResponder(logger, views);
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        views.render(ctx, 'error', { messageKey: 'error.not_found' }, { status: 404, title: 'error.title' });
      }
    } catch (error) {
      respond(ctx, error);
    }
  };
}
