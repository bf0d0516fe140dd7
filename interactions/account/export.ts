import type Router from '@koa/router';
import type { Context } from 'koa';
import { renderTooManyRequests } from '../abuse-protection.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { renderAccountPage } from './account-page.ts';

/** GET /account/export: what the file contains (docs/data-export.md), and the button that downloads it. */
function showExport(deps: AccountAreaDeps, ctx: Context): void {
  renderAccountPage(deps, ctx, 'account-export/index', {}, { title: 'account.export.title' });
}

/**
 * POST /account/export: the JSON document as a download (GDPR Art. 15/20). A POST behind the CSRF guard,
 * not a GET: no link elsewhere can spend the person's downloads. Reading needs only the session.
 */
async function download(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const outcome = await deps.dataExport.exportFor(accountId, { ip: ctx.ip });
  if (outcome.kind === 'rate_limited') return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
  if (outcome.kind === 'unknown_account') return; // deleted since the guard looked: 404
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Disposition', `attachment; filename="${outcome.filename}"`);
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = `${JSON.stringify(outcome.document, null, 2)}\n`;
}

export function registerExportRoutes(router: Router, deps: AccountAreaDeps): void {
  router.get('/account/export', (ctx) => showExport(deps, ctx));
  router.post('/account/export', async (ctx) => download(deps, ctx));
}
