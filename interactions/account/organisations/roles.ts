import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../../src/shared/app-error.ts';
import { renderAccountPage } from '../account-page.ts';
import type { AccountAreaDeps } from '../account-deps.ts';
import { formRefusal, listOf, noticeOf, organisationPage, redirectWith, roleChoices, roleLabels, textOf } from './services-support.ts';

interface Failure {
  clientId: string;
  roles: string[];
  error: string;
}

/**
 * GET /account/organisations/:id/members/:accountId/roles (admins; issue 19 item 4, seed 001 "Berechtigt" /
 * "Zusätzliche Rollen"): per usable service, the member's own roles as checkboxes from the client's catalogue,
 * and what the member has through groups (changed on the group's page). No role ticked = no access through
 * this assignment.
 */
async function show(deps: AccountAreaDeps, ctx: Context, failure?: Failure, status = 200): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const memberId = String(ctx.params.accountId ?? '');
  const t = deps.views.translator(ctx);
  const member = (await deps.organisations.members.members(org.accountId, org.id)).find((candidate) => candidate.accountId === memberId);
  if (!member) throw new AppError('organisation.unknown_member', 404);
  const [services, assignments] = await Promise.all([
    deps.organisations.subscriptions.subscriptions(org.accountId, org.id),
    deps.organisations.assignments.assignmentsOf(org.accountId, org.id, memberId),
  ]);
  const usable = services.filter((service) => service.status === 'approved');
  const rows = usable.map((service, index) => {
    const own = assignments.find((row) => row.clientId === service.clientId && row.via.kind === 'direct')?.roles ?? [];
    const failed = failure?.clientId === service.clientId ? failure : undefined;
    const viaGroups = assignments
      .filter((row) => row.clientId === service.clientId && row.via.kind === 'group')
      .map((row) => ({ group: row.via.kind === 'group' ? row.via.groupName : '', roles: roleLabels(service, row.roles, ctx.state.locale).join(', ') }));
    return {
      index,
      clientId: service.clientId,
      name: service.name,
      choices: roleChoices(service, failed ? failed.roles : own, ctx.state.locale, `role-${index}`),
      viaGroups,
      error: failed ? t(failed.error) : undefined,
    };
  });
  const failedRow = rows.find((row) => row.error);
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/roles',
    {
      organisation: org,
      member: { accountId: member.accountId, name: `${member.givenName} ${member.familyName}`.trim(), email: member.email },
      notice: noticeOf(deps, ctx, 'roles'),
      services: rows,
      errorList: failedRow ? [{ field: failedRow.choices[0]?.id, text: failedRow.error }] : [],
    },
    { title: 'account.organisations.roles.title', status },
  );
}

/** POST …/members/:accountId/roles: exactly the ticked roles of one service (none: the assignment goes). */
async function save(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const memberId = String(ctx.params.accountId ?? '');
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const clientId = textOf(body.clientId);
  const roles = listOf(body.roles);
  const { assignments } = deps.organisations;
  try {
    if (roles.length) await assignments.assign(org.accountId, org.id, { accountId: memberId }, clientId, roles);
    else await assignments.unassign(org.accountId, org.id, { accountId: memberId }, clientId);
  } catch (error) {
    const message = formRefusal(error, ['organisation.unknown_role', 'organisation.service_pending', 'organisation.service_not_subscribed']);
    return show(deps, ctx, { clientId, roles, error: message! }, 400);
  }
  redirectWith(ctx, `${org.base}/members/${memberId}/roles`, roles.length ? 'saved' : 'removed');
}

export function registerRoleRoutes(router: Router, deps: AccountAreaDeps): void {
  router.get('/account/organisations/:id/members/:accountId/roles', async (ctx) => show(deps, ctx));
  router.post('/account/organisations/:id/members/:accountId/roles', async (ctx) => save(deps, ctx));
}
