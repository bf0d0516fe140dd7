import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import type { Locale } from '../src/i18n/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import type { RegistrationState } from './registration-cookie.ts';

// What the registration steps (registration-account/-profile/-review.ts) share.

export type Values = Record<string, string>;
export type Errors = Record<string, string>;

export const ACCOUNT_FIELDS = ['salutation', 'givenName', 'familyName', 'email', 'username', 'password', 'passwordConfirmation'] as const;

export function bodyOf(ctx: Context): Record<string, unknown> {
  return (ctx.request.body as Record<string, unknown> | undefined) ?? {};
}

export function stepsOf(deps: InteractionDeps): { account: number; profile?: number; review: number; total: number } {
  const hasProfile = deps.settings.registration.profileFields.length > 0;
  return hasProfile ? { account: 1, profile: 2, review: 3, total: 3 } : { account: 1, review: 2, total: 2 };
}

/** Field errors as a list for the summary at the top of the form (WCAG 3.3.1), in field order. */
export function errorList(errors: Errors, order: readonly string[]): Array<{ field: string; text: string }> {
  return order.filter((field) => errors[field]).map((field) => ({ field, text: errors[field]! }));
}

export function label(text: { de: string; en: string }, locale: Locale): string {
  return text[locale] ?? text.de;
}

export function stateOf(deps: InteractionDeps, ctx: Context, uid: string): RegistrationState {
  return deps.registrationCookie.read(ctx, uid) ?? { uid, exp: 0 };
}

/** Registration is offered on the login step only; other steps (consent) have nothing to register for. */
export function requireLoginPrompt(details: InteractionDetails): void {
  if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
}


/** The draft must have passed step 1; otherwise (cookie lost, URL typed) start there. */
export function draftOrRestart(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Partial<RegistrationDraft> | undefined {
  const draft = stateOf(deps, ctx, details.uid).draft;
  if (draft?.passwordHash && draft.email) return draft;
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register`);
  return undefined;
}
