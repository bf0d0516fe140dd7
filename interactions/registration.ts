import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { ProfileField } from '../config/registration.ts';
import { parseProfileFields, profileValueToInput, type RegistrationDraft } from '../src/accounts/index.ts';
import { clientAddressKey } from '../src/rate-limits/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { Locale } from '../src/http/i18n.ts';
import { parseForm } from '../src/http/validate.ts';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { accountStepForm } from './registration.schemas.ts';
import type { RegistrationState } from './registration-cookie.ts';
import { checkNewPassword, passwordRuleViews } from './password-fields.ts';
import { renderTooManyRequests } from './too-many-requests.ts';

type Values = Record<string, string>;
type Errors = Record<string, string>;

const ACCOUNT_FIELDS = ['salutation', 'givenName', 'familyName', 'email', 'username', 'password', 'passwordConfirmation'] as const;

function bodyOf(ctx: Context): Record<string, unknown> {
  return (ctx.request.body as Record<string, unknown> | undefined) ?? {};
}

function stepsOf(deps: InteractionDeps): { account: number; profile?: number; review: number; total: number } {
  const hasProfile = deps.settings.registration.profileFields.length > 0;
  return hasProfile ? { account: 1, profile: 2, review: 3, total: 3 } : { account: 1, review: 2, total: 2 };
}

/** Field errors as a list for the summary at the top of the form (WCAG 3.3.1), in field order. */
function errorList(errors: Errors, order: readonly string[]): Array<{ field: string; text: string }> {
  return order.filter((field) => errors[field]).map((field) => ({ field, text: errors[field]! }));
}

function label(text: { de: string; en: string }, locale: Locale): string {
  return text[locale] ?? text.de;
}

function stateOf(deps: InteractionDeps, ctx: Context, uid: string): RegistrationState {
  return deps.registrationCookie.read(ctx, uid) ?? { uid, exp: 0 };
}

/** Registration is offered on the login step only; other steps (consent) have nothing to register for. */
function requireLoginPrompt(details: InteractionDetails): void {
  if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
}

// ---- step 1: the person ----

export async function showAccountStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails, input?: { values: Values; errors: Errors; violated?: Set<string> }, status = 200): Promise<void> {
  requireLoginPrompt(details);
  const t = deps.views.translator(ctx);
  const draft = stateOf(deps, ctx, details.uid).draft ?? {};
  const values = input?.values ?? {
    salutation: draft.salutation ?? '',
    givenName: draft.givenName ?? '',
    familyName: draft.familyName ?? '',
    email: draft.email ?? '',
    username: draft.username ?? '',
  };
  const errors = input?.errors ?? {};
  deps.views.render(
    ctx,
    'registration/account',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      step: { current: stepsOf(deps).account, total: stepsOf(deps).total },
      usernameMode: deps.settings.registration.usernameMode === 'username',
      values,
      salutations: [
        { value: '', label: t('registration.salutation_none'), selected: !values.salutation },
        { value: 'ms', label: t('registration.salutation_ms'), selected: values.salutation === 'ms' },
        { value: 'mr', label: t('registration.salutation_mr'), selected: values.salutation === 'mr' },
      ],
      errors,
      errorList: errorList(errors, ACCOUNT_FIELDS),
      passwordRules: passwordRuleViews(deps.settings.passwordPolicy, t, input?.violated),
      keepPassword: Boolean(draft.passwordHash),
    },
    { title: 'registration.title', status },
  );
}

export async function submitAccountStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  requireLoginPrompt(details);
  const t = deps.views.translator(ctx);
  const body = bodyOf(ctx);
  const raw = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  const values: Values = { salutation: raw('salutation'), givenName: raw('givenName'), familyName: raw('familyName'), email: raw('email'), username: raw('username') };
  const form = parseForm(accountStepForm(deps.settings.registration.usernameMode), body);
  const errors: Errors = form.ok ? {} : Object.fromEntries(Object.entries(form.fieldErrors).map(([field, key]) => [field, t(key)]));
  const state = stateOf(deps, ctx, details.uid);
  const password = raw('password');
  const confirmation = raw('passwordConfirmation');
  // Coming back from the review, the password may stay as it was (browsers do not refill password fields).
  const keepPassword = Boolean(state.draft?.passwordHash) && password === '' && confirmation === '';
  let violated = new Set<string>();
  if (!keepPassword) {
    const checked = checkNewPassword(deps.settings.passwordPolicy, t, password, confirmation);
    Object.assign(errors, checked.errors);
    violated = checked.violated;
  }
  if (form.ok && form.data.username && !errors.username && (await deps.registration.usernameTaken(form.data.username))) {
    errors.username = t('registration.username_taken');
  }
  if (!form.ok || Object.keys(errors).length) return showAccountStep(deps, ctx, details, { values, errors, violated }, 400);

  const data = form.data;
  const passwordHash = keepPassword ? state.draft!.passwordHash! : await deps.passwords.hash(password);
  const draft: Partial<RegistrationDraft> = {
    ...state.draft,
    salutation: data.salutation === '' ? null : data.salutation,
    givenName: data.givenName,
    familyName: data.familyName,
    email: data.email,
    username: data.username ?? null,
    passwordHash,
  };
  deps.registrationCookie.write(ctx, { uid: details.uid, draft });
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register/${stepsOf(deps).profile ? 'profile' : 'review'}`);
}

// ---- step 2: the deployment's profile fields ----

function profileFieldViews(fields: ProfileField[], locale: Locale, values: Values, errors: Errors) {
  return fields.map((field) => ({
    name: field.name,
    id: `profile-${field.name}`,
    label: label(field.label, locale),
    hint: field.hint ? label(field.hint, locale) : undefined,
    required: field.required,
    error: errors[field.name],
    value: values[field.name] ?? '',
    isText: field.type === 'text',
    isInteger: field.type === 'integer',
    isSelect: field.type === 'select',
    isBoolean: field.type === 'boolean',
    options: field.options?.map((option) => ({ value: option.value, label: label(option.label, locale), selected: values[field.name] === option.value })),
    yesChecked: values[field.name] === 'yes',
    noChecked: values[field.name] === 'no',
  }));
}

/** The draft must have passed step 1; otherwise (cookie lost, URL typed) start there. */
function draftOrRestart(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Partial<RegistrationDraft> | undefined {
  const draft = stateOf(deps, ctx, details.uid).draft;
  if (draft?.passwordHash && draft.email) return draft;
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register`);
  return undefined;
}

export async function showProfileStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails, input?: { values: Values; errors: Errors }, status = 200): Promise<void> {
  requireLoginPrompt(details);
  const draft = draftOrRestart(deps, ctx, details);
  if (!draft) return;
  const fields = deps.settings.registration.profileFields;
  if (!fields.length) return ctx.redirect(`/interaction/${details.uid}/register/review`);
  const values = input?.values ?? Object.fromEntries(fields.map((field) => [field.name, profileValueToInput(field, draft.profile?.[field.name])]));
  const errors = input?.errors ?? {};
  const locale = ctx.state.locale as Locale;
  deps.views.render(
    ctx,
    'registration/profile',
    {
      uid: details.uid,
      step: { current: stepsOf(deps).profile, total: stepsOf(deps).total },
      fields: profileFieldViews(fields, locale, values, errors),
      errorList: errorList(errors, fields.map((field) => field.name)).map((entry) => ({ ...entry, field: `profile-${entry.field}` })),
    },
    { title: 'registration.profile_title', status },
  );
}

export async function submitProfileStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  requireLoginPrompt(details);
  const draft = draftOrRestart(deps, ctx, details);
  if (!draft) return;
  const fields = deps.settings.registration.profileFields;
  const body = bodyOf(ctx);
  const parsed = parseProfileFields(fields, body);
  if (Object.keys(parsed.errors).length) {
    const t = deps.views.translator(ctx);
    const values = Object.fromEntries(fields.map((field) => [field.name, typeof body[field.name] === 'string' ? (body[field.name] as string) : '']));
    return showProfileStep(deps, ctx, details, { values, errors: Object.fromEntries(Object.entries(parsed.errors).map(([name, key]) => [name, t(key)])) }, 400);
  }
  deps.registrationCookie.write(ctx, { uid: details.uid, draft: { ...draft, profile: parsed.values } });
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register/review`);
}

// ---- step 3: review and consents ----

export async function showReview(deps: InteractionDeps, ctx: Context, details: InteractionDetails, input?: { granted: Set<string>; error?: string }, status = 200): Promise<void> {
  requireLoginPrompt(details);
  const draft = draftOrRestart(deps, ctx, details);
  if (!draft) return;
  const t = deps.views.translator(ctx);
  const locale = ctx.state.locale as Locale;
  const { profileFields, consents, usernameMode } = deps.settings.registration;
  const entries = [
    ...(draft.salutation ? [{ label: t('registration.salutation'), value: t(`registration.salutation_${draft.salutation}`) }] : []),
    { label: t('registration.given_name'), value: draft.givenName },
    { label: t('registration.family_name'), value: draft.familyName },
    { label: t('registration.email'), value: draft.email },
    ...(usernameMode === 'username' ? [{ label: t('registration.username'), value: draft.username }] : []),
    { label: t('registration.password'), value: t('registration.password_set') },
    ...profileFields.map((field) => {
      const value = draft.profile?.[field.name];
      const shown =
        value === undefined ? t('registration.not_given')
        : field.type === 'boolean' ? t(value ? 'profile.yes' : 'profile.no')
        : field.type === 'select' ? label(field.options!.find((option) => option.value === value)?.label ?? { de: String(value), en: String(value) }, locale)
        : String(value);
      return { label: label(field.label, locale), value: shown };
    }),
  ];
  const steps = stepsOf(deps);
  deps.views.render(
    ctx,
    'registration/review',
    {
      uid: details.uid,
      step: { current: steps.review, total: steps.total },
      entries,
      backUrl: `/interaction/${details.uid}/register${steps.profile ? '/profile' : ''}`,
      // With a profile step, "back" goes there; the first step gets a link of its own.
      editUrl: steps.profile ? `/interaction/${details.uid}/register` : undefined,
      consents: consents.map((consent) => ({
        id: consent.id,
        name: `consent_${consent.id}`,
        label: label(consent.label, locale),
        url: consent.url,
        required: consent.required,
        checked: input?.granted.has(consent.id) ?? false,
        error: input?.error && consent.required && !input.granted.has(consent.id) ? input.error : undefined,
      })),
    },
    { title: 'registration.review_title', status },
  );
}

export async function submitReview(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  requireLoginPrompt(details);
  const draft = draftOrRestart(deps, ctx, details);
  if (!draft) return;
  const body = bodyOf(ctx);
  const granted = new Set(deps.settings.registration.consents.filter((consent) => body[`consent_${consent.id}`] === 'on').map((consent) => consent.id));
  const missing = deps.settings.registration.consents.some((consent) => consent.required && !granted.has(consent.id));
  if (missing) return showReview(deps, ctx, details, { granted, error: deps.views.translator(ctx)('registration.consent_required') }, 400);

  const byIp = await deps.rateLimiter.hit('registration-ip', clientAddressKey(ctx.ip), deps.settings.rateLimits.registrationPerIp);
  if (!byIp.allowed) return renderTooManyRequests(deps.views, ctx, byIp.retryAfterSeconds);

  const started = Date.now();
  try {
    const { accountId } = await deps.registration.register(draft as RegistrationDraft, granted, {
      ip: ctx.ip,
      locale: ctx.state.locale as Locale,
      interactionUid: details.uid,
      clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    });
    // An existing address gets a stand-in id of the same shape, so the cookie looks the same either way.
    deps.registrationCookie.write(ctx, { uid: details.uid, draft: { email: draft.email }, registeredAccountId: accountId ?? randomUUID() });
  } catch (error) {
    if (error instanceof AppError && (error.code === 'registration.username_taken' || error.code === 'registration.conflict')) {
      const t = deps.views.translator(ctx);
      const field = error.code === 'registration.username_taken' ? 'username' : 'email';
      return showAccountStep(deps, ctx, details, { values: { salutation: draft.salutation ?? '', givenName: draft.givenName ?? '', familyName: draft.familyName ?? '', email: draft.email ?? '', username: draft.username ?? '' }, errors: { [field]: t(error.code) } }, 409);
    }
    throw error;
  }
  await equalise(started, deps.settings.minimumResponseMs);
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register/sent`);
}

/** "Check your mail" — the same page whether the address was new or already registered. */
export async function showSent(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const state = deps.registrationCookie.read(ctx, details.uid);
  if (!state?.registeredAccountId) {
    ctx.status = 303;
    return ctx.redirect(`/interaction/${details.uid}/register`);
  }
  deps.views.render(
    ctx,
    'registration/sent',
    { uid: details.uid, email: state.draft?.email ?? '', hours: deps.settings.registration.confirmationHours, resendUrl: `/register/resend?interaction=${details.uid}` },
    { title: 'registration.sent_title' },
  );
}

/**
 * Pads a response to a minimum duration, so the work done for a new address (account, token, mail) and for
 * a known one (a mail) cannot be told apart by timing.
 */
export async function equalise(startedAt: number, minimumMs: number): Promise<void> {
  const left = minimumMs - (Date.now() - startedAt);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}
