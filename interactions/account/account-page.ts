import type { Context } from 'koa';
import type { AccountAreaDeps } from './account-deps.ts';

/**
 * Renders a page of "Mein Bereich" in the layout with the area's bar: the way back to the dashboard
 * (except on the dashboard itself) and the logout button. `title` is a translation key.
 */
export function renderAccountPage(
  deps: Pick<AccountAreaDeps, 'views'>,
  ctx: Context,
  template: string,
  data: Record<string, unknown>,
  options: { title: string; status?: number },
): void {
  ctx.set('Cache-Control', 'no-store');
  deps.views.render(ctx, template, { ...data, accountArea: { home: template === 'account/dashboard' } }, options);
}

/** After a change: back to the dashboard, which shows `account.done.<key>` (303: POST → GET). */
export function redirectDone(ctx: Context, key: string): void {
  ctx.status = 303;
  ctx.redirect(`/account?done=${encodeURIComponent(key)}`);
}
