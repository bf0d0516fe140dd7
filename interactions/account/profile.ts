import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ProfileField } from '../../config/registration.ts';
import { ProfileInvalidError } from '../../src/accounts/index.ts';
import type { Locale, Translate } from '../../src/i18n/index.ts';
import { errorSummary, fieldMessages, type FormField } from '../../src/http/validate.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { profileFieldViews, profileFormFields } from '../registration-profile.ts';
import { label } from '../registration-steps.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { requireFreshLogin } from './account-guard.ts';
import { redirectDone, renderAccountPage } from './account-page.ts';
import { registerEmailChangeRoutes } from './email-change.ts';
import { profileForm } from './profile.schemas.ts';

// "Meine persönlichen Daten" (issue 17 item 3, seed 002 §4): salutation, names and the deployment's
// profile fields, with the registration's rules; "Sperrfelder" (seed 001) are shown as text with their reason.

/** B's pages: /account/profile here, /account/email and its confirmation link in email-change.ts. */
export function registerProfileRoutes(router: Router, deps: AccountAreaDeps): void {
  const fresh = requireFreshLogin(deps);
  router.get('/account/profile', fresh, async (ctx) => showProfile(deps, ctx));
  router.post('/account/profile', fresh, async (ctx) => submitProfile(deps, ctx));
  registerEmailChangeRoutes(router, deps);
}

/** Every field of the form in page order, labelled (error summary, messages naming the field). */
function formFields(t: Translate, fields: ProfileField[], locale: Locale): FormField[] {
  return [
    { name: 'salutation', label: t('registration.salutation') },
    { name: 'givenName', label: t('registration.given_name') },
    { name: 'familyName', label: t('registration.family_name') },
    ...profileFormFields(fields, locale),
  ];
}

/** A stored value as text for a locked field (the label of a choice, not its code). */
function displayValue(t: Translate, fields: ProfileField[], locale: Locale, name: string, value: string): string {
  if (name === 'salutation') return value ? t(`registration.salutation_${value}`) : '';
  const field = fields.find((candidate) => candidate.name === name);
  if (field?.type === 'boolean') return value ? t(value === 'yes' ? 'profile.yes' : 'profile.no') : '';
  const option = field?.options?.find((candidate) => candidate.value === value);
  return option ? label(option.label, locale) : value;
}

async function showProfile(deps: AccountAreaDeps, ctx: Context, input?: { values: Record<string, string>; errors: Record<string, string> }, status = 200) {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const view = await deps.profileUpdates.view(accountId);
  if (!view) throw new AppError('account.not_found', 404);
  const t = deps.views.translator(ctx);
  const locale = ctx.state.locale as Locale;
  const profileFields = deps.settings.profileFields;
  const values = { ...view.input, ...input?.values };
  const errors = input?.errors ?? {};
  const all = formFields(t, profileFields, locale);
  const editable = (name: string) => !view.locked[name];
  renderAccountPage(
    deps,
    ctx,
    'account/profile',
    {
      values,
      errors,
      errorList: errorSummary(errors, all),
      editable: { givenName: editable('givenName'), familyName: editable('familyName') },
      salutation: editable('salutation')
        ? ['', 'ms', 'mr'].map((value) => ({ value, label: t(`registration.salutation_${value || 'none'}`), selected: values.salutation === value }))
        : undefined,
      fields: profileFieldViews(
        profileFields.filter((field) => editable(field.name)),
        locale,
        values,
        errors,
      ),
      lockedFields: all
        .filter((field) => view.locked[field.name])
        .map((field) => ({
          label: field.label,
          value: displayValue(t, profileFields, locale, field.name, view.input[field.name] ?? ''),
          reason: view.locked[field.name],
        })),
    },
    { title: 'account.profile.title', status },
  );
}

async function submitProfile(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const t = deps.views.translator(ctx);
  const locale = ctx.state.locale as Locale;
  const all = formFields(t, deps.settings.profileFields, locale);
  const parsed = profileForm(all.map((field) => field.name)).safeParse(ctx.request.body ?? {});
  const input = Object.fromEntries(Object.entries(parsed.success ? parsed.data : {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
  try {
    await deps.profileUpdates.update(accountId, input, { ip: ctx.ip });
  } catch (error) {
    // The person's input stays in the form; each message names its field.
    if (error instanceof ProfileInvalidError) return showProfile(deps, ctx, { values: input, errors: fieldMessages(t, all, error.fieldErrors) }, 400);
    if (error instanceof AppError && error.code === 'profile.field_locked') {
      const errors = Object.fromEntries(error.details.map((name) => [name, t('error.profile.field_locked')]));
      return showProfile(deps, ctx, { values: input, errors }, 403);
    }
    throw error;
  }
  redirectDone(ctx, 'profile');
}
