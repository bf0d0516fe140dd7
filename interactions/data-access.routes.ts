import Router from '@koa/router';
import type { Middleware } from 'koa';
import { type DataAccessDeps, showDataAccess, submitRevoke } from './data-access.ts';

/** /account/data-access ("Datenzugriff verwalten"); the revoke form arrives parsed and CSRF-checked. */
export function dataAccessRoutes(deps: DataAccessDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router();
  router.use('/account/data-access', ...pageMiddleware);
  router.use('/account/data-access', async (ctx, next) => {
    // Personal data: never kept by a browser or proxy cache.
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/account/data-access', async (ctx) => showDataAccess(deps, ctx));
  router.post('/account/data-access/revoke', async (ctx) => submitRevoke(deps, ctx));
  return router;
}
