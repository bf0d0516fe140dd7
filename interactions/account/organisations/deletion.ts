import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { errorSummary } from '../../../src/http/validate.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { requireFreshLogin } from '../account-guard.ts';
import { accountOf, type OrganisationPageDeps, organisationOf, redirectWithNotice, renderOrganisationPage } from './common.ts';

// Issue 19 item 6: admins delete the organisation behind step-up (a fresh login, with the second factor
// where the account has one) and a confirmation that repeats the organisation's name, which the domain
// compares (whitespace and case aside). Memberships, groups, subscriptions go; members are mailed; accounts stay.

const confirmForm = z.object({ confirmation: z.string().max(200).default('') });

async function showDeletion(deps: OrganisationPageDeps, ctx: Context, values = { confirmation: '' }, error?: string, status = 200): Promise<void> {
  const organisationId = organisationOf(ctx);
  const details = await deps.organisations.organisations.details(accountOf(ctx), organisationId);
  const t = deps.views.translator(ctx);
  const errors = error ? { confirmation: error } : {};
  renderOrganisationPage(
    deps,
    ctx,
    'delete',
    {
      organisation: details,
      base: `/account/organisations/${organisationId}`,
      values,
      errors,
      errorList: errorSummary(errors, [{ name: 'confirmation', label: t('account.organisations.delete.confirmation') }]),
    },
    'account.organisations.delete.title',
    status,
  );
}

async function submitDeletion(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const values = confirmForm.parse(ctx.request.body ?? {});
  const t = deps.views.translator(ctx);
  if (!values.confirmation.trim()) return showDeletion(deps, ctx, values, t('account.organisations.delete.confirmation_required'), 400);
  try {
    await deps.organisations.organisations.remove(accountOf(ctx), organisationId, values.confirmation);
  } catch (error) {
    if (error instanceof AppError && error.code === 'organisation.delete_confirmation')
      return showDeletion(deps, ctx, values, t('error.organisation.delete_confirmation'), 422);
    throw error;
  }
  redirectWithNotice(ctx, '/account/organisations', 'organisation_deleted');
}

export function registerOrganisationDeletionRoutes(router: Router, deps: OrganisationPageDeps): void {
  const fresh = requireFreshLogin(deps);
  router.get('/account/organisations/:id/delete', fresh, async (ctx) => showDeletion(deps, ctx));
  router.post('/account/organisations/:id/delete', fresh, async (ctx) => submitDeletion(deps, ctx));
}
