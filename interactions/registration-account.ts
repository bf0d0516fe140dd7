import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import { parseForm } from '../src/http/validate.ts';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { accountStepForm } from './registration.schemas.ts';
import { checkNewPassword, passwordRuleViews } from './password-fields.ts';
import { withinHashingLimit } from './abuse-protection.ts';
import { ACCOUNT_FIELDS, bodyOf, errorList, requireLoginPrompt, stateOf, stepsOf, type Errors, type Values } from './registration-steps.ts';

// Registration step 1: the person (names, e-mail, username in username mode, password).

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
      passwordRules: passwordRuleViews(deps.settings.passwordPolicy, t, input?.violated, values),
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
    const checked = checkNewPassword(deps.settings.passwordPolicy, t, password, confirmation, values);
    Object.assign(errors, checked.errors);
    violated = checked.violated;
  }
  if (!form.ok || Object.keys(errors).length) return showAccountStep(deps, ctx, details, { values, errors, violated }, 400);
  // Past the cheap checks, the rest costs a hash or tells whether a username is taken: both behind the
  // per-IP window (an unlimited "taken" answer would let anyone list the usernames).
  if (!(await withinHashingLimit(deps, ctx))) return;
  if (form.data.username && (await deps.registration.usernameTaken(form.data.username))) {
    return showAccountStep(deps, ctx, details, { values, errors: { username: t('registration.username_taken') }, violated }, 400);
  }

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
