import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { DraftInvalidError, profileValueToInput, type RegistrationDraft } from '../src/accounts/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { Locale } from '../src/i18n/index.ts';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { errorSummary, fieldMessages, type FormField } from '../src/http/validate.ts';
import { accountFields, showAccountStep } from './registration-account.ts';
import { profileFormFields, showProfileStep } from './registration-profile.ts';
import { bodyOf, draftOrRestart, label, requireLoginPrompt, stepsOf } from './registration-steps.ts';
import { equalise, withinIpLimit } from './abuse-protection.ts';

// The last registration step: review and consents, then "check your mail".

export async function showReview(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  input?: { granted: Set<string>; failed?: boolean },
  status = 200,
): Promise<void> {
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
        value === undefined
          ? t('registration.not_given')
          : field.type === 'boolean'
            ? t(value ? 'profile.yes' : 'profile.no')
            : field.type === 'select'
              ? label(field.options!.find((option) => option.value === value)?.label ?? { de: String(value), en: String(value) }, locale)
              : String(value);
      return { label: label(field.label, locale), value: shown };
    }),
  ];
  const steps = stepsOf(deps);
  // Each required consent left unticked gets its own message naming it, in the summary and at the checkbox.
  const consentFields: FormField[] = consents.map((consent) => ({ name: consent.id, id: `consent-${consent.id}`, label: label(consent.label, locale) }));
  const missing = input?.failed
    ? Object.fromEntries(
        consents.filter((consent) => consent.required && !input.granted.has(consent.id)).map((consent) => [consent.id, 'registration.consent_required']),
      )
    : {};
  const errors = fieldMessages(t, consentFields, missing);
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
        error: errors[consent.id],
      })),
      errorList: errorSummary(errors, consentFields),
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
  if (missing) return showReview(deps, ctx, details, { granted, failed: true }, 400);

  if (!(await withinIpLimit(deps, ctx, 'registration-ip', deps.settings.rateLimits.registrationPerIp))) return;

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
    if (error instanceof DraftInvalidError) return showDraftProblems(deps, ctx, details, draft, error.fieldErrors);
    if (error instanceof AppError && (error.code === 'registration.username_taken' || error.code === 'registration.conflict')) {
      const t = deps.views.translator(ctx);
      const field = error.code === 'registration.username_taken' ? 'username' : 'email';
      // The draft's password hash is still there: the person need not type the password again.
      return showAccountStep(
        deps,
        ctx,
        details,
        {
          values: {
            salutation: draft.salutation ?? '',
            givenName: draft.givenName ?? '',
            familyName: draft.familyName ?? '',
            email: draft.email ?? '',
            username: draft.username ?? '',
          },
          errors: { [field]: t(error.code) },
        },
        409,
      );
    }
    throw error;
  }
  await equalise(started, deps.settings.minimumResponseMs);
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register/sent`);
}

/**
 * The final check found the draft incomplete (a step skipped, a field configured since): back to the first
 * step with a problem, its errors shown, nothing stored.
 */
function showDraftProblems(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  draft: Partial<RegistrationDraft>,
  fieldErrors: Record<string, string>,
): Promise<void> {
  const t = deps.views.translator(ctx);
  const account = accountFields(t);
  if (Object.keys(fieldErrors).some((field) => account.some((known) => known.name === field) || field === 'passwordHash')) {
    const { passwordHash, ...codes } = fieldErrors;
    const errors = fieldMessages(t, account, passwordHash ? { ...codes, password: passwordHash } : codes);
    const values = {
      salutation: draft.salutation ?? '',
      givenName: draft.givenName ?? '',
      familyName: draft.familyName ?? '',
      email: draft.email ?? '',
      username: draft.username ?? '',
    };
    return showAccountStep(deps, ctx, details, { values, errors }, 400);
  }
  const fields = deps.settings.registration.profileFields;
  const values = Object.fromEntries(fields.map((field) => [field.name, profileValueToInput(field, draft.profile?.[field.name])]));
  return showProfileStep(deps, ctx, details, { values, errors: fieldMessages(t, profileFormFields(fields, ctx.state.locale as Locale), fieldErrors) }, 400);
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
    {
      uid: details.uid,
      email: state.draft?.email ?? '',
      hours: deps.settings.registration.confirmationHours,
      resendUrl: `/register/resend?interaction=${details.uid}`,
    },
    { title: 'registration.sent_title' },
  );
}
