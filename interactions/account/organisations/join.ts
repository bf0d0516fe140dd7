import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Translate } from '../../../src/i18n/index.ts';
import { errorSummary, type FormField } from '../../../src/http/validate.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { accountOf, dateFormat, noticeOf, type OrganisationPageDeps, organisationOf, redirectWithNotice, renderOrganisationPage } from './common.ts';

// Issue 19 item 3, seed 002 "Beitrittsanfrage": a person enters the organisation's data, which must match
// exactly; a mismatch gets one message that names no field (it must not reveal which organisations exist or
// which detail was wrong). Admins accept or reject; the domain mails the requester.

const JOIN = '/account/organisations/join';
const joinForm = z.object({
  name: z.string().trim().max(100).default(''),
  postalCode: z.string().trim().max(20).default(''),
  registerNumber: z.string().trim().max(40).default(''),
});
const decisionForm = z.object({ requestId: z.uuid(), decision: z.enum(['accept', 'reject']) });

const joinFields = (t: Translate): FormField[] =>
  (['name', 'postalCode', 'registerNumber'] as const).map((name) => ({ name, label: t(`account.organisations.join.field.${name}`) }));

function showJoin(
  deps: OrganisationPageDeps,
  ctx: Context,
  values: Record<string, string> = {},
  errors: Record<string, string> = {},
  refusal?: string,
  status = 200,
) {
  const t = deps.views.translator(ctx);
  const errorList = [...errorSummary(errors, joinFields(t)), ...(refusal ? [{ text: t(refusal) }] : [])];
  renderOrganisationPage(deps, ctx, 'join', { values, errors, errorList }, 'account.organisations.join.title', status);
}

async function submitJoin(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const values = joinForm.parse(ctx.request.body ?? {});
  const t = deps.views.translator(ctx);
  const errors: Record<string, string> = {};
  if (!values.name) errors.name = t('account.organisations.join.name_required');
  if (!values.postalCode) errors.postalCode = t('account.organisations.join.postal_code_required');
  if (Object.keys(errors).length) return showJoin(deps, ctx, values, errors, undefined, 400);
  try {
    await deps.organisations.joinRequests.request(accountOf(ctx), {
      name: values.name,
      postalCode: values.postalCode,
      ...(values.registerNumber ? { registerNumber: values.registerNumber } : {}),
    });
  } catch (error) {
    const known: Record<string, number> = { 'organisation.join_mismatch': 422, 'organisation.join_limit': 429, 'organisation.already_member': 409 };
    if (error instanceof AppError && known[error.code]) return showJoin(deps, ctx, values, {}, `error.${error.code}`, known[error.code]);
    throw error;
  }
  redirectWithNotice(ctx, '/account/organisations', 'join_requested');
}

async function showRequests(deps: OrganisationPageDeps, ctx: Context, refusal?: string, status = 200): Promise<void> {
  const organisationId = organisationOf(ctx);
  const accountId = accountOf(ctx);
  const [details, pending] = await Promise.all([
    deps.organisations.organisations.details(accountId, organisationId),
    deps.organisations.joinRequests.pending(accountId, organisationId),
  ]);
  const format = dateFormat(deps, ctx);
  const t = deps.views.translator(ctx);
  renderOrganisationPage(
    deps,
    ctx,
    'join-requests',
    {
      notice: noticeOf(deps, ctx),
      refusal,
      errorList: refusal ? [{ text: t(refusal) }] : [],
      organisation: details,
      base: `/account/organisations/${organisationId}`,
      requests: pending.map((row) => ({ ...row, name: `${row.givenName} ${row.familyName}`.trim(), since: format.format(row.createdAt) })),
    },
    'account.organisations.join_requests.title',
    status,
  );
}

async function decide(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const form = decisionForm.safeParse(ctx.request.body ?? {});
  if (!form.success) return showRequests(deps, ctx, 'error.organisation.unknown_request', 400);
  const { joinRequests } = deps.organisations;
  try {
    if (form.data.decision === 'accept') await joinRequests.accept(accountOf(ctx), organisationId, form.data.requestId);
    else await joinRequests.reject(accountOf(ctx), organisationId, form.data.requestId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'organisation.unknown_request') return showRequests(deps, ctx, 'error.organisation.unknown_request', 404);
    throw error;
  }
  redirectWithNotice(ctx, `/account/organisations/${organisationId}/join-requests`, form.data.decision === 'accept' ? 'join_accepted' : 'join_rejected');
}

export function registerJoinRoutes(router: Router, deps: OrganisationPageDeps): void {
  router.get(JOIN, (ctx) => showJoin(deps, ctx));
  router.post(JOIN, async (ctx) => submitJoin(deps, ctx));
  router.get('/account/organisations/:id/join-requests', async (ctx) => showRequests(deps, ctx));
  router.post('/account/organisations/:id/join-requests', async (ctx) => decide(deps, ctx));
}
