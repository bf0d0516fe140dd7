import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { renderAccountPage } from '../account-page.ts';
import type { AccountAreaDeps } from '../account-deps.ts';
import { dateFormat, formRefusal, listOf, noticeOf, organisationPage, redirectWith, roleChoices, roleLabels, textOf } from './services-support.ts';

/** Seed 002 "Rolle beantragen": a justification the admin reads, required, at most 500 characters. */
export const JUSTIFICATION_MAX = 500;
const justification = z
  .string()
  .transform((value) => value.replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .min(1, 'account.organisations.role_requests.justification_required')
      .max(JUSTIFICATION_MAX, 'account.organisations.role_requests.justification_too_long'),
  );

interface Input {
  clientId: string;
  roles: string[];
  justification: string;
  errors: Record<string, string>;
}

/**
 * GET /account/organisations/:id/role-requests/new (members): first the service (only usable ones, a plain
 * GET form, works without script), then its roles with labels and descriptions, and the justification.
 */
async function showNew(deps: AccountAreaDeps, ctx: Context, input?: Input, status = 200): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const t = deps.views.translator(ctx);
  const services = (await deps.organisations.subscriptions.subscriptions(org.accountId, org.id)).filter((service) => service.status === 'approved');
  const chosenId = input?.clientId ?? (typeof ctx.query.service === 'string' ? ctx.query.service : services.length === 1 ? services[0]!.clientId : '');
  const chosen = services.find((service) => service.clientId === chosenId);
  const errors = Object.fromEntries(Object.entries(input?.errors ?? {}).map(([field, key]) => [field, t(key, { max: JUSTIFICATION_MAX })]));
  const choices = chosen ? roleChoices(chosen, input?.roles ?? [], ctx.state.locale, 'roles') : [];
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/role-request-new',
    {
      organisation: org,
      services: services.map((service, index) => ({
        id: index === 0 ? 'service' : `service-${index}`,
        clientId: service.clientId,
        name: service.name,
        checked: service === chosen,
      })),
      several: services.length > 1,
      chosen: chosen ? { clientId: chosen.clientId, name: chosen.name } : undefined,
      choices,
      justification: input?.justification ?? '',
      max: JUSTIFICATION_MAX,
      errors,
      errorList: [
        ...(errors.roles ? [{ field: choices[0]?.id, text: errors.roles }] : []),
        ...(errors.justification ? [{ field: 'justification', text: errors.justification }] : []),
      ],
    },
    { title: 'account.organisations.role_requests.new_title', status },
  );
}

/** POST …/role-requests/new: checked here for the page's messages, then by the domain (catalogue, one open request per service). */
async function submit(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const input: Input = { clientId: textOf(body.clientId), roles: listOf(body.roles), justification: textOf(body.justification), errors: {} };
  const reason = justification.safeParse(input.justification);
  if (!reason.success) input.errors.justification = reason.error.issues[0]!.message;
  if (!input.roles.length) input.errors.roles = 'account.organisations.role_requests.roles_required';
  if (Object.keys(input.errors).length) return showNew(deps, ctx, input, 400);
  try {
    await deps.organisations.roleRequests.request(org.accountId, org.id, { clientId: input.clientId, roles: input.roles, justification: reason.data! });
  } catch (error) {
    const code = formRefusal(error, [
      'organisation.unknown_role',
      'organisation.role_request_pending',
      'organisation.justification_invalid',
      'organisation.service_pending',
      'organisation.service_not_subscribed',
    ]);
    input.errors[code === 'error.organisation.justification_invalid' ? 'justification' : 'roles'] = code!;
    return showNew(deps, ctx, input, 400);
  }
  redirectWith(ctx, `${org.base}/role-requests/mine`, 'sent');
}

/** GET …/role-requests/mine: the member's own requests and what became of them. */
async function showMine(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const format = dateFormat(deps, ctx);
  const [requests, services] = await Promise.all([
    deps.organisations.roleRequests.mine(org.accountId, org.id),
    deps.organisations.subscriptions.subscriptions(org.accountId, org.id),
  ]);
  // A service the organisation stopped using still has a name and labels in the catalogue of all services.
  const all = requests.some((request) => !services.some((service) => service.clientId === request.clientId)) ? await deps.organisationServices() : [];
  const rows = requests.map((request) => {
    const service = services.find((candidate) => candidate.clientId === request.clientId) ?? all.find((candidate) => candidate.clientId === request.clientId);
    return {
      service: service?.name ?? request.clientId,
      roles: roleLabels(service, request.roles, ctx.state.locale).join(', '),
      statusKey: `account.organisations.role_requests.status_${request.status}`,
      createdAt: format.format(request.createdAt),
    };
  });
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/role-requests-mine',
    { organisation: org, requests: rows, notice: noticeOf(deps, ctx, 'role_requests') },
    { title: 'account.organisations.role_requests.mine_title' },
  );
}

/** GET …/role-requests (admins): the open requests with the justification, approve or reject each. */
async function showPending(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const format = dateFormat(deps, ctx);
  const [pending, members, services] = await Promise.all([
    deps.organisations.roleRequests.pending(org.accountId, org.id),
    deps.organisations.members.members(org.accountId, org.id),
    deps.organisations.subscriptions.subscriptions(org.accountId, org.id),
  ]);
  const requests = pending.map((request, index) => {
    const member = members.find((candidate) => candidate.accountId === request.accountId);
    const service = services.find((candidate) => candidate.clientId === request.clientId);
    return {
      index,
      id: request.id,
      member: member ? `${member.givenName} ${member.familyName}`.trim() || member.email : request.accountId,
      service: service?.name ?? request.clientId,
      roles: roleLabels(service, request.roles, ctx.state.locale).join(', '),
      justification: request.justification,
      createdAt: format.format(request.createdAt),
    };
  });
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/role-requests',
    { organisation: org, requests, notice: noticeOf(deps, ctx, 'role_requests') },
    { title: 'account.organisations.role_requests.pending_title' },
  );
}

/** POST …/role-requests/:requestId/approve|reject: the domain checks admin rights and mails the member. */
async function decide(deps: AccountAreaDeps, ctx: Context, decision: 'approve' | 'reject'): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const requestId = String(ctx.params.requestId ?? '');
  await deps.organisations.roleRequests[decision](org.accountId, org.id, requestId);
  redirectWith(ctx, `${org.base}/role-requests`, decision === 'approve' ? 'approved' : 'rejected');
}

export function registerRoleRequestRoutes(router: Router, deps: AccountAreaDeps): void {
  const base = '/account/organisations/:id/role-requests';
  router.get(base, async (ctx) => showPending(deps, ctx));
  router.get(`${base}/new`, async (ctx) => showNew(deps, ctx));
  router.post(`${base}/new`, async (ctx) => submit(deps, ctx));
  router.get(`${base}/mine`, async (ctx) => showMine(deps, ctx));
  router.post(`${base}/:requestId/approve`, async (ctx) => decide(deps, ctx, 'approve'));
  router.post(`${base}/:requestId/reject`, async (ctx) => decide(deps, ctx, 'reject'));
}
