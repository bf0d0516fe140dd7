import type { Context } from 'koa';
import type { RoleDefinition, ServiceTerms } from '../../../src/clients/index.ts';
import type { SubscriptionView } from '../../../src/organisations/index.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import type { AccountAreaContext, AccountAreaDeps } from '../account-deps.ts';

/** The organisation a page under /account/organisations/:id is about, as the person at the page sees it. */
export interface OrganisationPage {
  id: string;
  name: string;
  isAdmin: boolean;
  accountId: string;
  base: string;
}

/**
 * The organisation of the path, found among the person's own memberships: an organisation they do not belong
 * to answers like one that does not exist (403, no probing for ids). `admin`: the page is for admins; the
 * domain checks again on every change (the page never relies on this).
 */
export async function organisationPage(deps: AccountAreaDeps, ctx: Context, options: { admin: boolean }): Promise<OrganisationPage> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const id = String(ctx.params.id ?? '');
  const found = (await deps.organisations.access.organisationsOf(accountId)).find((organisation) => organisation.id === id);
  if (!found) throw new AppError(options.admin ? 'organisation.not_admin' : 'organisation.not_member', 403);
  const isAdmin = found.role === 'admin';
  if (options.admin && !isAdmin) throw new AppError('organisation.not_admin', 403);
  ctx.state.back = { url: `/account/organisations/${id}`, name: found.name };
  return { id, name: found.name, isAdmin, accountId, base: `/account/organisations/${id}` };
}

/** A form value that may come once (a string) or several times (an array): always a list of strings. */
export function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A role's label, description in the page's language. */
export function roleText(role: RoleDefinition, locale: unknown): { label: string; description?: string } {
  const lang = locale === 'en' ? 'en' : 'de';
  return { label: role.label[lang], ...(role.description ? { description: role.description[lang] } : {}) };
}

/** Role keys as their labels (a key the catalogue no longer has stays as the key). */
export function roleLabels(terms: Pick<ServiceTerms, 'roles'> | undefined, keys: string[], locale: unknown): string[] {
  return keys.map((key) => {
    const role = terms?.roles.find((candidate) => candidate.key === key);
    return role ? roleText(role, locale).label : key;
  });
}

/**
 * Role checkboxes of one service for a form: id unique on the page (`prefix` + index), ticked as `chosen`
 * says, label and description from the catalogue.
 */
export function roleChoices(service: Pick<SubscriptionView, 'roles'>, chosen: string[], locale: unknown, prefix: string) {
  return service.roles.map((role, index) => ({ id: `${prefix}-${index}`, key: role.key, checked: chosen.includes(role.key), ...roleText(role, locale) }));
}

/** The notice of a `?done=<key>` after a change, only for keys the catalogue has (`<area>.done.<key>`). */
export function noticeOf(deps: AccountAreaDeps, ctx: Context, area: string): string | undefined {
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  const key = `account.organisations.${area}.done.${done}`;
  return /^[a-z_]{1,40}$/.test(done) && deps.views.translator(ctx).has(key) ? key : undefined;
}

/** 303 to a page of ours with its notice (POST → GET). */
export function redirectWith(ctx: Context, path: string, done: string): void {
  ctx.status = 303;
  ctx.redirect(`${path}?done=${encodeURIComponent(done)}`);
}

/**
 * A domain refusal that belongs to a form field (bad input, a conflict) becomes that field's message; anything
 * else (not admin, unknown ids) goes on to the error page.
 */
export function formRefusal(error: unknown, codes: readonly string[]): string | undefined {
  if (error instanceof AppError && codes.includes(error.code)) return `error.${error.code}`;
  throw error;
}

/** Dates on these pages: day and time in the operator's zone. */
export function dateFormat(deps: AccountAreaDeps, ctx: Context): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(ctx.state.locale === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: deps.settings.timeZone });
}
