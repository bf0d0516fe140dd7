import type Router from '@koa/router';
import type { AccountAreaDeps } from './account/account-deps.ts';
import { type DataAccessDeps, showDataAccess, submitRevoke } from './data-access.ts';

/**
 * /account/data-access ("Datenzugriff verwalten"), on the account area's router behind its guard: the page
 * middleware, no-store and CSRF come from there; the revoke form arrives parsed and checked.
 */
export function registerDataAccessRoutes(router: Router, deps: AccountAreaDeps): void {
  const dataAccess: DataAccessDeps = {
    get provider() {
      return deps.provider; // follows key reloads (LiveProvider)
    },
    views: deps.views,
    releases: deps.releases,
    signOut: deps.signOut,
    timeZone: deps.settings.timeZone,
  };
  router.get('/account/data-access', async (ctx) => showDataAccess(dataAccess, ctx));
  router.post('/account/data-access/revoke', async (ctx) => submitRevoke(dataAccess, ctx));
}
