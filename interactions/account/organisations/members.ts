import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  accountOf,
  dateFormat,
  noticeOf,
  type OrganisationPageDeps,
  organisationOf,
  redirectWithNotice,
  refusalKey,
  renderOrganisationPage,
} from './common.ts';

// Issue 19 item 2 (seeds 001, 002): admins and members, equal rights for every admin, the last admin kept,
// "Administratoren dürfen Online-Dienste nutzen". The domain refuses the last admin's removal, demotion and
// leaving (`organisation.last_admin`); the page shows that message, which recommends a second admin.

const REFUSALS = ['organisation.last_admin', 'organisation.unknown_member', 'organisation.birthdate_missing', 'organisation.admin_under_age'] as const;
const memberAction = z.object({ memberId: z.uuid() });
const roleAction = z.object({ memberId: z.uuid(), role: z.enum(['admin', 'member']) });

const membersPath = (organisationId: string) => `/account/organisations/${organisationId}/members`;

async function showMembers(deps: OrganisationPageDeps, ctx: Context, refusal?: string, status = 200): Promise<void> {
  const organisationId = organisationOf(ctx);
  const accountId = accountOf(ctx);
  const { organisations, members } = deps.organisations;
  const [details, list] = await Promise.all([organisations.details(accountId, organisationId), members.members(accountId, organisationId)]);
  const format = dateFormat(deps, ctx);
  const admins = list.filter((member) => member.role === 'admin').length;
  const t = deps.views.translator(ctx);
  renderOrganisationPage(
    deps,
    ctx,
    'members',
    {
      notice: noticeOf(deps, ctx),
      refusal,
      errorList: refusal ? [{ text: t(refusal) }] : [],
      base: `/account/organisations/${organisationId}`,
      organisation: details,
      // Seed 001: with one admin, the page recommends a second one before anything else.
      singleAdmin: admins === 1,
      members: list.map((member) => ({
        ...member,
        name: `${member.givenName} ${member.familyName}`.trim(),
        isAdmin: member.role === 'admin',
        isSelf: member.accountId === accountId,
        roleKey: `account.organisations.role.${member.role}`,
        since: format.format(member.since),
      })),
    },
    'account.organisations.members.title',
    status,
  );
}

async function changeRole(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const form = roleAction.safeParse(ctx.request.body ?? {});
  if (!form.success) return showMembers(deps, ctx, 'error.organisation.unknown_member', 400);
  try {
    await deps.organisations.members.setRole(accountOf(ctx), organisationId, form.data.memberId, form.data.role);
  } catch (error) {
    return showMembers(deps, ctx, refusalKey(error, REFUSALS), 409);
  }
  redirectWithNotice(ctx, membersPath(organisationId), form.data.role === 'admin' ? 'promoted' : 'demoted');
}

async function removeMember(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const form = memberAction.safeParse(ctx.request.body ?? {});
  if (!form.success) return showMembers(deps, ctx, 'error.organisation.unknown_member', 400);
  try {
    await deps.organisations.members.remove(accountOf(ctx), organisationId, form.data.memberId);
  } catch (error) {
    return showMembers(deps, ctx, refusalKey(error, REFUSALS), 409);
  }
  if (form.data.memberId === accountOf(ctx)) return redirectWithNotice(ctx, '/account/organisations', 'left');
  redirectWithNotice(ctx, membersPath(organisationId), 'removed');
}

/** The switch "Administratoren dürfen Online-Dienste nutzen" (a checkbox: absent means off). */
async function setAdminsMayUseServices(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const organisationId = organisationOf(ctx);
  const allowed = (ctx.request.body as Record<string, unknown> | undefined)?.adminsMayUseServices === 'yes';
  await deps.organisations.organisations.setAdminsMayUseServices(accountOf(ctx), organisationId, allowed);
  redirectWithNotice(ctx, membersPath(organisationId), 'settings_saved');
}

type ShowOverview = (deps: OrganisationPageDeps, ctx: Context, refusal?: string, status?: number) => Promise<void>;

/** Leaving: any member; the last admin is refused on the overview page with the domain's message. */
async function leave(deps: OrganisationPageDeps, ctx: Context, showOverview: ShowOverview): Promise<void> {
  const organisationId = organisationOf(ctx);
  try {
    await deps.organisations.members.leave(accountOf(ctx), organisationId);
  } catch (error) {
    return showOverview(deps, ctx, refusalKey(error, REFUSALS), 409);
  }
  redirectWithNotice(ctx, '/account/organisations', 'left');
}

export function registerMemberRoutes(router: Router, deps: OrganisationPageDeps, showOverview: ShowOverview): void {
  router.get('/account/organisations/:id/members', async (ctx) => showMembers(deps, ctx));
  router.post('/account/organisations/:id/members/role', async (ctx) => changeRole(deps, ctx));
  router.post('/account/organisations/:id/members/remove', async (ctx) => removeMember(deps, ctx));
  router.post('/account/organisations/:id/settings', async (ctx) => setAdminsMayUseServices(deps, ctx));
  router.post('/account/organisations/:id/leave', async (ctx) => leave(deps, ctx, showOverview));
}
