import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { OperatorConfig } from '../../config/schema.ts';
import type { Views } from './views.ts';

/** Puts the operator's settings where the layout finds them (views.ts `siteLocals`), for every page. */
export function siteContext(operator: OperatorConfig): Middleware {
  return async (ctx: Context, next: Next) => {
    ctx.state.operator = operator;
    await next();
  };
}

/**
 * `/`: what this service is and where to go from here. People land here from the error pages and by
 * typing the address; logging in starts at a portal, or at "Mein Bereich" (/account) for the account itself.
 */
export function startRoutes(views: Views, operator: OperatorConfig): Router {
  const router = new Router();
  router.get('/', (ctx) => {
    const locale = ctx.state.locale as 'de' | 'en';
    const help = operator.links.help ? (locale === 'en' ? (operator.links.help.en ?? operator.links.help.de) : operator.links.help.de) : undefined;
    views.render(ctx, 'start', { operatorName: operator.name, helpUrl: help, contact: operator.contact }, { title: 'start.title' });
  });
  return router;
}

/**
 * The last word on requests nobody answered: an HTML 404 or 405 page in the layout (language, title,
 * footer) instead of Koa's plain text. Mounted in front of our routers and the provider, it acts on the way
 * back out, so oidc-provider's own answers (and its error pages) pass untouched.
 */
export function pageFallback(views: Views): Middleware {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.body != null || (ctx.status !== 404 && ctx.status !== 405)) return;
    if (ctx.accepts('html', 'json') !== 'html') return;
    if (ctx.status === 404) return views.render(ctx, 'not-found', {}, { status: 404, title: 'not_found.title' });
    views.render(ctx, 'method-not-allowed', {}, { status: 405, title: 'method_not_allowed.title' });
  };
}
