import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { normalizeEmail } from '../../../src/accounts/index.ts';
import type { PendingInvitation } from '../../../src/organisations/index.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { sessionCookieName } from '../account-cookies.ts';
import { accountOf, dateFormat, type OrganisationPageDeps, redirectWithNotice, refusalKey, renderOrganisationPage } from './common.ts';

/**
 * The invitation link (issue 19 item 3; the domain's mail links to `/organisations/invitation?token=…`).
 *
 * - The public page `/organisations/invitation` needs no account: it names the organisation and offers
 *   "log in and accept" and "register first". A browser with an area session goes straight on.
 * - Both lead to `/account/organisations/invitation?token=…` behind the area's guard. A person without an
 *   account reaches Kontor's login page there, chooses "Jetzt registrieren", confirms the address and comes
 *   back through the account area's login to this page (its return path carries the token): the invitation
 *   travels through the registration in the account login's sealed state, the registration itself is untouched.
 * - That page accepts only for the invited, confirmed address; another account's address is refused clearly.
 *   An account created after the invitation was sent joined by registering: `acceptAfterRegistration`.
 */
const LINK = '/organisations/invitation';
const ACCEPT = '/account/organisations/invitation';
const tokenOf = (value: unknown) => z.string().min(10).max(200).safeParse(value);

function invalid(deps: OrganisationPageDeps, ctx: Context, account: boolean): void {
  const render = account ? renderOrganisationPage : renderPublic;
  render(deps, ctx, 'invitation-invalid', {}, 'account.organisations.invitation.invalid_title', 410);
}

function renderPublic(deps: OrganisationPageDeps, ctx: Context, name: string, data: Record<string, unknown>, title: string, status = 200): void {
  ctx.set('Cache-Control', 'no-store');
  deps.views.render(ctx, `account/organisations/${name}`, data, { title, status });
}

function describe(deps: OrganisationPageDeps, ctx: Context, invitation: PendingInvitation) {
  return {
    organisationName: invitation.organisationName,
    email: invitation.email,
    roleKey: `account.organisations.role.${invitation.role}`,
    expires: dateFormat(deps, ctx).format(invitation.expiresAt),
  };
}

/** GET /organisations/invitation?token=… (public). */
async function showLink(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const token = tokenOf(ctx.query.token);
  const invitation = token.success ? await deps.organisations.invitations.pendingInvitation(token.data) : null;
  if (!token.success || !invitation) return invalid(deps, ctx, false);
  const next = `${ACCEPT}?token=${encodeURIComponent(token.data)}`;
  // Someone logged in to Mein Bereich in this browser: the guarded page decides (accept or refuse).
  if (await deps.areaSessions.find(ctx.cookies.get(sessionCookieName(deps.settings.secureCookies)))) {
    ctx.status = 303;
    return ctx.redirect(next);
  }
  renderPublic(deps, ctx, 'invitation', { ...describe(deps, ctx, invitation), next }, 'account.organisations.invitation.title');
}

/** GET /account/organisations/invitation?token=… (logged in): the accept button, or why not. */
async function showAccept(deps: OrganisationPageDeps, ctx: Context, token: string, refusal?: string, status = 200): Promise<void> {
  const invitation = await deps.organisations.invitations.pendingInvitation(token);
  if (!invitation) return invalid(deps, ctx, true);
  const account = await deps.accounts.findById(accountOf(ctx));
  if (!account) throw new AppError('account.not_found', 404);
  const matches = account.emailVerified && normalizeEmail(account.email) === normalizeEmail(invitation.email);
  const t = deps.views.translator(ctx);
  renderOrganisationPage(
    deps,
    ctx,
    'invitation-accept',
    { ...describe(deps, ctx, invitation), token, matches, accountEmail: account.email, refusal, errorList: refusal ? [{ text: t(refusal) }] : [] },
    'account.organisations.invitation.title',
    matches ? status : 403,
  );
}

async function accept(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const token = tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token);
  if (!token.success) return invalid(deps, ctx, true);
  const accountId = accountOf(ctx);
  const [invitation, account] = await Promise.all([deps.organisations.invitations.pendingInvitation(token.data), deps.accounts.findById(accountId)]);
  if (!invitation || !account) return invalid(deps, ctx, true);
  const { invitations } = deps.organisations;
  try {
    const registered = account.createdAt.getTime() >= invitation.sentAt.getTime();
    const { organisationId } = await (registered ? invitations.acceptAfterRegistration(token.data, accountId) : invitations.accept(token.data, accountId));
    redirectWithNotice(ctx, `/account/organisations/${organisationId}`, 'joined');
  } catch (error) {
    if (error instanceof AppError && error.code === 'organisation.invitation_invalid') return invalid(deps, ctx, true);
    const key = refusalKey(error, ['organisation.invitation_other_address', 'organisation.birthdate_missing', 'organisation.admin_under_age']);
    return showAccept(deps, ctx, token.data, key, 409);
  }
}

export function registerInvitationLinkRoutes(router: Router, deps: OrganisationPageDeps, pageMiddleware: Middleware[]): void {
  router.get(LINK, ...pageMiddleware, async (ctx) => showLink(deps, ctx));
  router.get(ACCEPT, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    return token.success ? showAccept(deps, ctx, token.data) : invalid(deps, ctx, true);
  });
  router.post(ACCEPT, async (ctx) => accept(deps, ctx));
}
