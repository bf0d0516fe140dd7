import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../../src/http/validate.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { clearAccountCookie, sessionCookieName } from './account-cookies.ts';
import { requireFreshLogin } from './account-guard.ts';
import { renderAccountPage } from './account-page.ts';

/** The one field: the checkbox "Ich möchte mein Konto endgültig löschen" (its value `yes`). */
const deletionForm = z.object({ confirm: z.literal('yes', { error: 'account.delete.confirm_required' }) });
const FIELDS: readonly FormField[] = [{ name: 'confirm' }];

/** Public: the page after the deletion, which has no account and no area session any more. */
export const DELETED_PATH = '/account/deleted';

async function showDeletionPage(deps: AccountAreaDeps, ctx: Context, errors: Record<string, string> = {}, status = 200): Promise<void> {
  // Issue 19: the last admin of an organisation with other members names another admin (or deletes the
  // organisation) first; the page says so and links to each one instead of offering the button.
  const { accountId } = ctx.state.account as AccountAreaContext;
  const duties = (await deps.organisations.accountRemoval.blockers(accountId)).map((duty) => ({
    name: duty.name,
    members: `/account/organisations/${duty.id}/members`,
    remove: `/account/organisations/${duty.id}/delete`,
  }));
  renderAccountPage(
    deps,
    ctx,
    'account/delete',
    { errors, errorList: errorSummary(errors, FIELDS), organisationDuties: duties },
    { title: 'account.delete.title', status: duties.length ? 409 : status },
  );
}

/**
 * POST /account/delete (issue 17 item 9): behind the fresh login, and only with the box ticked (a refused
 * request changes nothing). Then everything of the account goes at once (AccountDeletionService), the area's
 * session and its cookie with it, and the person lands on the public "deleted" page.
 */
async function deleteAccount(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  const form = parseForm(deletionForm, ctx.request.body ?? {});
  if (!form.ok) return showDeletionPage(deps, ctx, fieldMessages(deps.views.translator(ctx), FIELDS, form.fieldErrors), 400);
  if ((await deps.organisations.accountRemoval.blockers(account.accountId)).length) return showDeletionPage(deps, ctx);
  await deps.accountDeletion.delete(account.accountId, { ip: ctx.ip });
  clearAccountCookie(ctx, sessionCookieName(deps.settings.secureCookies), deps.settings.secureCookies);
  ctx.status = 303;
  ctx.redirect(DELETED_PATH);
}

/** `/account/delete` (explanation and confirmation on one page, change behind step-up) and the page after it. */
export function registerDeletionRoutes(router: Router, deps: AccountAreaDeps): void {
  const fresh = requireFreshLogin(deps);
  router.get('/account/delete', fresh, async (ctx) => showDeletionPage(deps, ctx));
  router.post('/account/delete', fresh, async (ctx) => deleteAccount(deps, ctx));
  router.get(DELETED_PATH, (ctx) => deps.views.render(ctx, 'account/deleted', {}, { title: 'account.delete.done_title' }));
}
