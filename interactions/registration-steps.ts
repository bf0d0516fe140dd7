import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import type { Locale } from '../src/i18n/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import type { RegistrationState } from './registration-cookie.ts';
import { portalOf } from './interaction-origin.ts';

// What the registration steps (registration-account/-profile/-review.ts) share.

export type Values = Record<string, string>;
export type Errors = Record<string, string>;

export function bodyOf(ctx: Context): Record<string, unknown> {
  return (ctx.request.body as Record<string, unknown> | undefined) ?? {};
}

export function stepsOf(deps: InteractionDeps): { account: number; profile?: number; review: number; total: number } {
  const hasProfile = deps.settings.registration.profileFields.length > 0;
  return hasProfile ? { account: 1, profile: 2, review: 3, total: 3 } : { account: 1, review: 2, total: 2 };
}

export function label(text: { de: string; en: string }, locale: Locale): string {
  return text[locale] ?? text.de;
}

/** This interaction's registration state; a new registration starts from what an expired one left. */
export function stateOf(deps: InteractionDeps, ctx: Context, uid: string): RegistrationState {
  const state = deps.registrationCookie.read(ctx, uid);
  if (state) return state;
  const carried = deps.registrationCookie.carried(ctx);
  return carried ? { uid, exp: 0, draft: carried } : { uid, exp: 0 };
}

/** Fields of step 1 that a person typed into a form the expired interaction could no longer take. */
const CARRIED_FIELDS = ['salutation', 'givenName', 'familyName', 'email', 'username'] as const;

/**
 * The registration's interaction is gone (its time limit passed): keep what was typed, except the
 * password, for the next registration in this browser (the draft so far, and step 1's fields if this was
 * that form), and explain with the way back to the portal. Returns the error to show, or undefined when
 * this browser had no registration for `uid`.
 */
export async function expiredRegistration(deps: InteractionDeps, ctx: Context, uid: string): Promise<AppError | undefined> {
  const state = deps.registrationCookie.expiredState(ctx, uid);
  const body = ctx.method === 'POST' ? bodyOf(ctx) : {};
  const typed = Object.fromEntries(
    CARRIED_FIELDS.flatMap((field) => (typeof body[field] === 'string' && body[field] ? [[field, (body[field] as string).slice(0, 320)]] : [])),
  );
  if (!state?.draft && Object.keys(typed).length === 0) return undefined;
  deps.registrationCookie.carryOver(ctx, { ...state?.draft, ...typed } as Partial<RegistrationDraft>);
  ctx.state.back = await portalOf(deps.provider, state?.clientId);
  return new AppError('registration.expired', 400);
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
