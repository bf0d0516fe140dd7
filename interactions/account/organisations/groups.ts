import type Router from '@koa/router';
import type { Context } from 'koa';
import type { GroupView } from '../../../src/organisations/index.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { renderAccountPage } from '../account-page.ts';
import type { AccountAreaDeps } from '../account-deps.ts';
import { formRefusal, listOf, noticeOf, type OrganisationPage, organisationPage, redirectWith, roleChoices, textOf } from './services-support.ts';

const NAME_ERRORS = ['organisation.group_name_invalid', 'organisation.group_name_taken'] as const;
const ROLE_ERRORS = ['organisation.unknown_role', 'organisation.service_pending', 'organisation.service_not_subscribed'] as const;

/** A form's problem: which field, its message key, what was typed. */
interface Failure {
  field: 'name' | 'member' | 'roles';
  error: string;
  value?: string;
  clientId?: string;
  roles?: string[];
}

/** Changes whose refusals all go to the error page (unknown member or group, not admin). */
const rethrow = (error: unknown): Failure => {
  throw error;
};

const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;

/** GET /account/organisations/:id/groups (admins; seed 001 "Gruppenverwaltung"): the groups and a form for a new one. */
async function showList(deps: AccountAreaDeps, ctx: Context, failure?: Failure, status = 200): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const t = deps.views.translator(ctx);
  const groups = await deps.organisations.groups.groups(org.accountId, org.id);
  const error = failure ? t(failure.error) : undefined;
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/groups',
    {
      organisation: org,
      notice: noticeOf(deps, ctx, 'groups'),
      groups: groups.map((group) => ({ id: group.id, name: group.name, members: group.members.length, services: group.services.length })),
      name: failure?.value ?? '',
      errors: error ? { name: error } : {},
      errorList: error ? [{ field: 'name', text: error }] : [],
    },
    { title: 'account.organisations.groups.title', status },
  );
}

async function groupOf(deps: AccountAreaDeps, org: OrganisationPage, groupId: string): Promise<GroupView> {
  const group = (await deps.organisations.groups.groups(org.accountId, org.id)).find((candidate) => candidate.id === groupId);
  if (!group) throw new AppError('organisation.unknown_group', 404);
  return group;
}

/** GET …/groups/:groupId: rename, members in and out, the group's services with roles, the way to delete it. */
async function showGroup(deps: AccountAreaDeps, ctx: Context, failure?: Failure, status = 200): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const t = deps.views.translator(ctx);
  const group = await groupOf(deps, org, String(ctx.params.groupId));
  const [members, services] = await Promise.all([
    deps.organisations.members.members(org.accountId, org.id),
    deps.organisations.subscriptions.subscriptions(org.accountId, org.id),
  ]);
  const nameOf = (member: (typeof members)[number]) => `${member.givenName} ${member.familyName}`.trim() || member.email;
  const error = failure ? t(failure.error) : undefined;
  const rows = services
    .filter((service) => service.status === 'approved')
    .map((service, index) => {
      const failed = failure?.field === 'roles' && failure.clientId === service.clientId;
      const chosen = failed ? (failure.roles ?? []) : (group.services.find((row) => row.clientId === service.clientId)?.roles ?? []);
      return {
        index,
        clientId: service.clientId,
        name: service.name,
        choices: roleChoices(service, chosen, ctx.state.locale, `role-${index}`),
        error: failed ? error : undefined,
      };
    });
  const failedRow = rows.find((row) => row.error);
  const summaryField = failure?.field === 'roles' ? failedRow?.choices[0]?.id : failure?.field;
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/group',
    {
      organisation: org,
      group: { id: group.id, name: group.name, base: `${org.base}/groups/${group.id}` },
      notice: noticeOf(deps, ctx, 'groups'),
      name: failure?.field === 'name' ? failure.value : group.name,
      members: members
        .filter((member) => group.members.includes(member.accountId))
        .map((member, index) => ({ index, accountId: member.accountId, name: nameOf(member), email: member.email })),
      candidates: members
        .filter((member) => !group.members.includes(member.accountId))
        .map((member) => ({ accountId: member.accountId, name: nameOf(member), email: member.email })),
      services: rows,
      errors: failure && failure.field !== 'roles' ? { [failure.field]: error } : {},
      errorList: error ? [{ field: summaryField, text: error }] : [],
    },
    { title: 'account.organisations.groups.group_title', status },
  );
}

/** GET …/groups/:groupId/delete: asks before deleting (members stay members; their roles through it go). */
async function showDelete(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const group = await groupOf(deps, org, String(ctx.params.groupId));
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/group-delete',
    { organisation: org, group: { id: group.id, name: group.name, base: `${org.base}/groups/${group.id}`, members: group.members.length } },
    { title: 'account.organisations.groups.delete_title' },
  );
}

/** Runs one change of a group; a refusal that belongs to a field re-renders the page that has the form. */
async function change(
  deps: AccountAreaDeps,
  ctx: Context,
  done: string,
  work: (org: OrganisationPage, groupId: string) => Promise<unknown>,
  onRefusal: (error: unknown) => Failure,
) {
  const org = await organisationPage(deps, ctx, { admin: false });
  const groupId = String(ctx.params.groupId ?? '');
  try {
    await work(org, groupId);
    redirectWith(ctx, done === 'deleted' ? `${org.base}/groups` : `${org.base}/groups/${groupId}`, done);
  } catch (error) {
    return showGroup(deps, ctx, onRefusal(error), 400);
  }
}

async function create(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const name = textOf(body(ctx).name);
  try {
    const { groupId } = await deps.organisations.groups.create(org.accountId, org.id, name);
    redirectWith(ctx, `${org.base}/groups/${groupId}`, 'created');
  } catch (error) {
    return showList(deps, ctx, { field: 'name', error: formRefusal(error, NAME_ERRORS)!, value: name }, 400);
  }
}

export function registerGroupRoutes(router: Router, deps: AccountAreaDeps): void {
  const { groups, assignments } = deps.organisations;
  const base = '/account/organisations/:id/groups';
  router.get(base, async (ctx) => showList(deps, ctx));
  router.post(base, async (ctx) => create(deps, ctx));
  router.get(`${base}/:groupId`, async (ctx) => showGroup(deps, ctx));
  router.post(`${base}/:groupId/rename`, async (ctx) => {
    const name = textOf(body(ctx).name);
    await change(
      deps,
      ctx,
      'renamed',
      (org, groupId) => groups.rename(org.accountId, org.id, groupId, name),
      (error) => ({ field: 'name', error: formRefusal(error, NAME_ERRORS)!, value: name }),
    );
  });
  router.post(`${base}/:groupId/members`, async (ctx) => {
    const accountId = textOf(body(ctx).accountId);
    if (!accountId) return showGroup(deps, ctx, { field: 'member', error: 'account.organisations.groups.member_required' }, 400);
    await change(deps, ctx, 'member_added', (org, groupId) => groups.addMember(org.accountId, org.id, groupId, accountId), rethrow);
  });
  router.post(`${base}/:groupId/members/remove`, async (ctx) => {
    const accountId = textOf(body(ctx).accountId);
    await change(deps, ctx, 'member_removed', (org, groupId) => groups.removeMember(org.accountId, org.id, groupId, accountId), rethrow);
  });
  router.post(`${base}/:groupId/services`, async (ctx) => {
    const clientId = textOf(body(ctx).clientId);
    const roles = listOf(body(ctx).roles);
    await change(
      deps,
      ctx,
      roles.length ? 'services_saved' : 'services_removed',
      (org, groupId) =>
        roles.length
          ? assignments.assign(org.accountId, org.id, { groupId }, clientId, roles)
          : assignments.unassign(org.accountId, org.id, { groupId }, clientId),
      (error) => ({ field: 'roles', error: formRefusal(error, ROLE_ERRORS)!, clientId, roles }),
    );
  });
  router.get(`${base}/:groupId/delete`, async (ctx) => showDelete(deps, ctx));
  router.post(`${base}/:groupId/delete`, async (ctx) => {
    await change(deps, ctx, 'deleted', (org, groupId) => groups.remove(org.accountId, org.id, groupId), rethrow);
  });
}
