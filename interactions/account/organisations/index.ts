import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { registerOrganisationDeletionRoutes } from './deletion.ts';
import { registerInvitationRoutes } from './invitations.ts';
import { registerJoinRoutes } from './join.ts';
import { registerMemberRoutes } from './members.ts';
import { registerOrganisationRegistrationRoutes } from './registration.ts';
import { accountOf, dateFormat, noticeOf, type OrganisationPageDeps, organisationOf, renderOrganisationPage } from './common.ts';

// "Meine Organisationen" (issue 19 items 1–3, 6): the list, each organisation's overview, and the admin
// pages. Reading needs the area's session; the domain checks admin rights on every call (a member who
// posts an admin form is refused there), the pages only hide what a member cannot use.

/** GET /account/organisations: my organisations with my role, my open join requests, the ways in. */
async function showList(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const accountId = accountOf(ctx);
  const [organisations, requests] = await Promise.all([deps.organisations.access.organisationsOf(accountId), deps.organisations.joinRequests.mine(accountId)]);
  const format = dateFormat(deps, ctx);
  renderOrganisationPage(
    deps,
    ctx,
    'list',
    {
      notice: noticeOf(deps, ctx),
      organisations: organisations.map((row) => ({ ...row, href: `/account/organisations/${row.id}`, roleKey: `account.organisations.role.${row.role}` })),
      requests: requests.map((row) => ({ name: row.organisationName, since: format.format(row.createdAt) })),
    },
    'account.organisations.list.title',
  );
}

/** GET /account/organisations/:id: data and admins for every member; the admin sections for admins. */
async function showOverview(deps: OrganisationPageDeps, ctx: Context, refusal?: string, status = 200): Promise<void> {
  const organisationId = organisationOf(ctx);
  const overview = await deps.organisations.organisations.overview(accountOf(ctx), organisationId);
  const t = deps.views.translator(ctx);
  const data = overview.organisation;
  const base = `/account/organisations/${organisationId}`;
  const names = new Intl.DisplayNames([ctx.state.locale === 'en' ? 'en' : 'de'], { type: 'region' });
  renderOrganisationPage(
    deps,
    ctx,
    'overview',
    {
      notice: noticeOf(deps, ctx),
      refusal,
      errorList: refusal ? [{ text: t(refusal) }] : [],
      base,
      isAdmin: overview.role === 'admin',
      roleKey: `account.organisations.role.${overview.role}`,
      organisation: {
        ...data,
        legalFormLabel: t(`organisation.legal_form.${data.legalForm}`),
        address: `${data.street} ${data.houseNumber}, ${data.postalCode} ${data.city}, ${names.of(data.country) ?? data.country}`,
      },
      admins: overview.admins,
    },
    'account.organisations.overview.title',
    status,
  );
}

/**
 * Every page of this part, one line in interactions/account/routes.ts. `pageMiddleware` is for the public
 * invitation link `/organisations/invitation`, which lives outside /account (the domain's mails link there).
 */
export function registerOrganisationAdminRoutes(router: Router, deps: OrganisationPageDeps, pageMiddleware: Middleware[]): void {
  router.get('/account/organisations', async (ctx) => showList(deps, ctx));
  // Before /:id: these paths are no organisation ids.
  registerOrganisationRegistrationRoutes(router, deps);
  registerJoinRoutes(router, deps);
  registerInvitationRoutes(router, deps, pageMiddleware);
  router.get('/account/organisations/:id', async (ctx) => showOverview(deps, ctx));
  registerMemberRoutes(router, deps, showOverview);
  registerOrganisationDeletionRoutes(router, deps);
}
