import type Router from '@koa/router';
import type { Context } from 'koa';
import { renderAccountPage } from '../account-page.ts';
import type { AccountAreaDeps } from '../account-deps.ts';
import { dateFormat, formRefusal, noticeOf, organisationPage, redirectWith, textOf } from './services-support.ts';

/**
 * GET /account/organisations/:id/services (admins; issue 19 item 4, seed 001 "Online-Dienstverwaltung"): the
 * services the organisation uses with their state (usable, waiting for the authority, rejected), a form to
 * subscribe to one of the services that declare a role catalogue, and a button to stop using one.
 */
async function show(deps: AccountAreaDeps, ctx: Context, input: { error?: string; clientId?: string } = {}, status = 200): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: true });
  const t = deps.views.translator(ctx);
  const format = dateFormat(deps, ctx);
  const used = await deps.organisations.subscriptions.subscriptions(org.accountId, org.id);
  // A rejected service may be asked for again (the domain starts a new request then).
  const taken = new Set(used.filter((service) => service.status !== 'rejected').map((service) => service.clientId));
  const available = (await deps.organisationServices())
    .filter((service) => !taken.has(service.clientId))
    .map((service, index) => ({
      id: index === 0 ? 'clientId' : `clientId-${index}`,
      clientId: service.clientId,
      name: service.name,
      approvalKey: `account.organisations.services.approval_${service.approval}`,
      checked: service.clientId === input.clientId,
    }));
  const errors = input.error ? { clientId: t(input.error) } : {};
  renderAccountPage(
    deps,
    ctx,
    'account/organisations/services',
    {
      organisation: org,
      notice: noticeOf(deps, ctx, 'services'),
      services: used.map((service, index) => ({
        index,
        clientId: service.clientId,
        name: service.name,
        statusKey: `account.organisations.services.status_${service.status}`,
        since: format.format(service.decidedAt ?? service.createdAt),
        roleCount: service.roles.length,
      })),
      available,
      errors,
      errorList: input.error ? [{ field: available[0] ? 'clientId' : undefined, text: t(input.error) }] : [],
    },
    { title: 'account.organisations.services.title', status },
  );
}

/** POST …/services/subscribe: automatic services are usable at once, the others wait for the authority. */
async function subscribe(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const clientId = textOf((ctx.request.body as Record<string, unknown> | undefined)?.clientId).trim();
  if (!clientId) return show(deps, ctx, { error: 'account.organisations.services.choose_required' }, 400);
  let outcome: { status: string };
  try {
    outcome = await deps.organisations.subscriptions.subscribe(org.accountId, org.id, clientId);
  } catch (error) {
    // A client that is gone (or never declared roles) is said so on the form.
    return show(deps, ctx, { error: formRefusal(error, ['organisation.unknown_service']), clientId }, 400);
  }
  redirectWith(ctx, `${org.base}/services`, outcome.status === 'approved' ? 'subscribed' : 'pending');
}

/** POST …/services/unsubscribe: the service's assignments and open role requests go with it (the domain). */
async function unsubscribe(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const org = await organisationPage(deps, ctx, { admin: false });
  const clientId = textOf((ctx.request.body as Record<string, unknown> | undefined)?.clientId);
  await deps.organisations.subscriptions.unsubscribe(org.accountId, org.id, clientId);
  redirectWith(ctx, `${org.base}/services`, 'unsubscribed');
}

/**
 * The services page and its two forms. POSTs check membership only: whether the person is admin is the
 * domain's answer (403 page), so a page that hid the form is never the only guard.
 */
export function registerServiceRoutes(router: Router, deps: AccountAreaDeps): void {
  router.get('/account/organisations/:id/services', async (ctx) => show(deps, ctx));
  router.post('/account/organisations/:id/services/subscribe', async (ctx) => subscribe(deps, ctx));
  router.post('/account/organisations/:id/services/unsubscribe', async (ctx) => unsubscribe(deps, ctx));
}
