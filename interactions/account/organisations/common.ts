import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../../src/shared/app-error.ts';
import type { AccountAreaContext, AccountAreaDeps } from '../account-deps.ts';
import { renderAccountPage } from '../account-page.ts';

/** The organisation pages' deps: the area's, with the organisations domain (one field, shared with H1/H3). */
export type OrganisationPageDeps = AccountAreaDeps;

/** `/account/organisations/:id`: the id is a UUID, anything else is an unknown page (no query with junk). */
const organisationId = z.uuid();

export function organisationOf(ctx: Context): string {
  const parsed = organisationId.safeParse(ctx.params.id);
  if (!parsed.success) throw new AppError('organisation.not_member', 404);
  return parsed.data;
}

export function accountOf(ctx: Context): string {
  return (ctx.state.account as AccountAreaContext).accountId;
}

/** A date and time as the pages show them, in the operator's time zone. */
export function dateFormat(deps: OrganisationPageDeps, ctx: Context): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(ctx.state.locale === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: deps.settings.timeZone });
}

/** After a change: 303 to an organisation page, which shows `account.organisations.done.<key>`. */
export function redirectWithNotice(ctx: Context, path: string, key: string): void {
  ctx.status = 303;
  ctx.redirect(`${path}?done=${encodeURIComponent(key)}`);
}

/** The notice of `?done=<key>` when the catalogue has it (a crafted key shows nothing). */
export function noticeOf(deps: OrganisationPageDeps, ctx: Context): string | undefined {
  const done = typeof ctx.query.done === 'string' && /^[a-z_]{1,40}$/.test(ctx.query.done) ? ctx.query.done : undefined;
  return done && deps.views.translator(ctx).has(`account.organisations.done.${done}`) ? `account.organisations.done.${done}` : undefined;
}

/**
 * The domain's refusals a page shows as a message of the page (the last admin, a mismatch, a limit …); other
 * errors go to the error page. Returns the message key, or rethrows.
 */
export function refusalKey(error: unknown, codes: readonly string[]): string {
  if (error instanceof AppError && codes.includes(error.code)) return `error.${error.code}`;
  throw error;
}

/** Renders one of this area's pages (`account/organisations/<name>`). */
export function renderOrganisationPage(
  deps: OrganisationPageDeps,
  ctx: Context,
  name: string,
  data: Record<string, unknown>,
  title: string,
  status = 200,
): void {
  renderAccountPage(deps, ctx, `account/organisations/${name}`, data, { title, status });
}

/** Whether the deployment has a profile field that supplies `birthdate` (the age check of admins needs it). */
export function hasBirthdateField(deps: OrganisationPageDeps): boolean {
  return deps.settings.profileFields.some((field) => field.claim === 'birthdate');
}
