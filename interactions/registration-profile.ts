import type { Context } from 'koa';
import type { ProfileField } from '../config/registration.ts';
import { parseProfileFields, profileValueToInput } from '../src/accounts/index.ts';
import type { Locale } from '../src/i18n/index.ts';
import { errorSummary, fieldMessages, type FormField } from '../src/http/validate.ts';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { bodyOf, draftOrRestart, label, requireLoginPrompt, stepsOf, type Errors, type Values } from './registration-steps.ts';

// Registration step 2: the deployment's extra profile fields (config registration.profileFields).

/** The configured fields as the `profile-field` partial shows them. */
export function profileFieldViews(fields: ProfileField[], locale: Locale, values: Values, errors: Errors) {
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

/** The configured fields as the error summary and messages need them (their labels name them, `profile-<name>` ids). */
export function profileFormFields(fields: ProfileField[], locale: Locale): FormField[] {
  return fields.map((field) => ({ name: field.name, id: `profile-${field.name}`, label: label(field.label, locale) }));
}

export async function showProfileStep(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  input?: { values: Values; errors: Errors },
  status = 200,
): Promise<void> {
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
      errorList: errorSummary(errors, profileFormFields(fields, locale)),
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
    return showProfileStep(deps, ctx, details, { values, errors: fieldMessages(t, profileFormFields(fields, ctx.state.locale as Locale), parsed.errors) }, 400);
  }
  deps.registrationCookie.write(ctx, { uid: details.uid, draft: { ...draft, profile: parsed.values } });
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/register/review`);
}
