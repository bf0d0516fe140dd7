import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { registerDataAccessRoutes } from '../data-access.routes.ts';
import type { AccountAreaDeps } from './account-deps.ts';
import { requireAccount } from './account-guard.ts';
import { finishAccountLogin, logoutOfAccountArea, showLoggedOut, startAccountLogin } from './account-login.ts';
import { showDashboard } from './dashboard.ts';
import { endOneSession, endOtherSessions, showSessions } from './sessions.ts';
// Stage 2 (issue 17): each area's module, imported here with its one line below.
import { registerProfileRoutes } from './profile.ts';
import { EMAIL_CONFIRM_PATH } from './email-change.ts';
import { registerPasswordRoutes } from './password.ts';
import { registerSecondFactorRoutes } from './second-factor.ts';
import { registerLockRoutes } from './lock.ts';
import { DELETED_PATH, registerDeletionRoutes } from './deletion.ts';
import { registerExportRoutes } from './export.ts';
import { registerServiceRoutes } from './organisations/services.ts';
import { registerRoleRoutes } from './organisations/roles.ts';
import { registerGroupRoutes } from './organisations/groups.ts';
import { registerRoleRequestRoutes } from './organisations/role-requests.ts';
import { registerOrganisationAdminRoutes } from './organisations/index.ts';

/** The account area's pages that work without its session: the login, its callback, the logout and its end. */
const OPEN_PATHS = new Set([
  '/account/login',
  '/account/callback',
  '/account/logout',
  '/account/logged-out',
  // B: the e-mail change link may be opened on another device; the token alone authorises it.
  EMAIL_CONFIRM_PATH,
  // E: the page after a deletion (the session is gone with the account).
  DELETED_PATH,
]);

/** Every route under /account: the page middleware, `Cache-Control: no-store` and the guard in front. */
function registerSessionRoutes(router: Router, deps: AccountAreaDeps): void {
  router.get('/account/sessions', async (ctx) => showSessions(deps, ctx));
  router.post('/account/sessions/end', async (ctx) => endOneSession(deps, ctx));
  router.post('/account/sessions/end-others', async (ctx) => endOtherSessions(deps, ctx));
}

/**
 * "Mein Bereich" (`/account` and everything under it; issue 17): one router, so the CSRF guard covers every
 * form of it. Pages behind `requireAccount` find `ctx.state.account` (AccountAreaContext); change pages add
 * `requireFreshLogin(deps)` in front of their GET and POST handlers. A page of another area is added by one
 * line in the list below (and its import above), nothing else.
 */
export function accountAreaRoutes(deps: AccountAreaDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router();
  const guard = requireAccount(deps);
  router.use('/account', ...pageMiddleware);
  router.use('/account', async (ctx: Context, next: Next) => {
    // Personal data: never kept by a browser or proxy cache.
    ctx.set('Cache-Control', 'no-store');
    return OPEN_PATHS.has(ctx.path) ? next() : guard(ctx, next);
  });

  router.get('/account/login', async (ctx) => startAccountLogin(deps, ctx));
  router.get('/account/callback', async (ctx) => finishAccountLogin(deps, ctx));
  router.post('/account/logout', async (ctx) => logoutOfAccountArea(deps, ctx));
  router.get('/account/logged-out', (ctx) => showLoggedOut(deps, ctx));

  router.get('/account', async (ctx) => showDashboard(deps, ctx));
  registerSessionRoutes(router, deps);
  registerDataAccessRoutes(router, deps);
  // Stage 2 (issue 17), one line each:
  registerProfileRoutes(router, deps); // B: /account/profile, /account/email (+ confirmation link)
  registerPasswordRoutes(router, deps); // C: /account/password
  registerSecondFactorRoutes(router, deps); // C: /account/second-factor/...
  registerLockRoutes(router, deps); // D: /account/lock (the unlock link's pages: interactions/account-unlock.ts)
  registerDeletionRoutes(router, deps); // E: /account/delete (+ the public /account/deleted)
  registerExportRoutes(router, deps); // D: /account/export (JSON)
  registerServiceRoutes(router, deps); // H3: /account/organisations/:id/services
  registerRoleRoutes(router, deps); // H3: /account/organisations/:id/members/:accountId/roles
  registerGroupRoutes(router, deps); // H3: /account/organisations/:id/groups/...
  registerRoleRequestRoutes(router, deps); // H3: /account/organisations/:id/role-requests/...
  registerOrganisationAdminRoutes(router, deps, pageMiddleware); // Issue 19 H2: /account/organisations… and the public /organisations/invitation
  return router;
}
