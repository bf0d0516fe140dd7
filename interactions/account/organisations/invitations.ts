import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Locale } from '../../../src/i18n/index.ts';
import { errorSummary, type FormField } from '../../../src/http/validate.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { accountOf, dateFormat, noticeOf, type OrganisationPageDeps, organisationOf, redirectWithNotice, renderOrganisationPage } from './common.ts';
import { registerInvitationLinkRoutes } from './invitation-link.ts';

// Issue 19 item 3: an admin invites by e-mail (registered or not; the domain mails a 24-hour link and says
// the same whatever the address), lists the open invitations and withdraws them.

const inviteForm = z.object({ email: z.string().trim().max(254).default(''), role: z.enum(['member', 'admin']).default('member') });
const withdrawForm = z.object({ invitationId: z.uuid() });
const base = (organisationId: string) => `/account/organisations/${organisationId}/invitations`;

interface FormState {
  values: { email: string; role: string };
  errors: Record<string, string>;
  refusal?: string;
}

async function showInvitations(
  deps: OrganisationPageDeps,
  ctx: Context,
  state: FormState = { values: { email: '', role: 'member' }, errors: {} },
  status = 200,
) {
  const organisationId = organisationOf(ctx);
  const accountId = accountOf(ctx);
  const [details, open] = await Promise.all([
    deps.organisations.organisations.details(accountId, organisationId),
    deps.organisations.invitations.invitations(accountId, organisationId),
  ]);
  const t = deps.views.translator(ctx);
  const format = dateFormat(deps, ctx);
  const fields: FormField[] = [{ name: 'email', label: t('account.organisations.invitations.email') }, { name: 'role' }];
  const errorList = [...errorSummary(state.errors, fields), ...(state.refusal ? [{ text: t(state.refusal) }] : [])];
  renderOrganisationPage(
    deps,
    ctx,
    'invitations',
    {
      notice: noticeOf(deps, ctx),
      organisation: details,
      base: `/account/organisations/${organisationId}`,
      values: state.values,
      errors: state.errors,
      errorList,
      roles: ['member', 'admin'].map((value) => ({ value, label: t(`account.organisations.role.${value}`), checked: state.values.role === value })),
      invitations: open.map((row) => ({ ...row, roleKey: `account.organisations.role.${row.role}`, expires: format.format(row.expiresAt) })),
    },
    'account.organisations.invitations.title',
    status,
  );
}

async function invite(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const form = inviteForm.safeParse(ctx.request.body ?? {});
  const values = form.success ? form.data : { email: '', role: 'member' as const };
  const t = deps.views.translator(ctx);
  if (!values.email) return showInvitations(deps, ctx, { values, errors: { email: t('account.organisations.invitations.email_required') } }, 400);
  try {
    await deps.organisations.invitations.invite(accountOf(ctx), organisationId, { email: values.email, role: values.role, locale: ctx.state.locale as Locale });
  } catch (error) {
    if (error instanceof AppError && error.code === 'organisation.invitation_email_invalid') {
      const detail = error.details[0];
      const message =
        detail && t.has(detail) ? t(detail, { label: t('account.organisations.invitations.email') }) : t('error.organisation.invitation_email_invalid');
      return showInvitations(deps, ctx, { values, errors: { email: message } }, 400);
    }
    if (error instanceof AppError && error.code === 'organisation.invitation_limit')
      return showInvitations(deps, ctx, { values, errors: {}, refusal: 'error.organisation.invitation_limit' }, 429);
    throw error;
  }
  redirectWithNotice(ctx, base(organisationId), 'invited');
}

async function withdraw(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const form = withdrawForm.safeParse(ctx.request.body ?? {});
  if (!form.success) throw new AppError('organisation.unknown_invitation', 404);
  await deps.organisations.invitations.withdraw(accountOf(ctx), organisationId, form.data.invitationId);
  redirectWithNotice(ctx, base(organisationId), 'withdrawn');
}

export function registerInvitationRoutes(router: Router, deps: OrganisationPageDeps, pageMiddleware: Middleware[]): void {
  registerInvitationLinkRoutes(router, deps, pageMiddleware);
  router.get('/account/organisations/:id/invitations', async (ctx) => showInvitations(deps, ctx));
  router.post('/account/organisations/:id/invitations', async (ctx) => invite(deps, ctx));
  router.post('/account/organisations/:id/invitations/withdraw', async (ctx) => withdraw(deps, ctx));
}
