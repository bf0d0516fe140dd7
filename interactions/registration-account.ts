import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../src/http/validate.ts';
import type { Translate } from '../src/i18n/index.ts';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { accountStepForm } from './registration.schemas.ts';
import { checkNewPassword, passwordRuleViews } from './password-fields.ts';
import { withinHashingLimit } from './abuse-protection.ts';
import { bodyOf, requireLoginPrompt, stateOf, stepsOf, type Errors, type Values } from './registration-steps.ts';

// Registration step 1: the person (names, e-mail, username in username mode, password).

/** Step 1's fields in page order, with the labels their messages name. */
export function accountFields(t: Translate): FormField[] {
  return [
    { name: 'salutation', label: t('registration.salutation') },
    { name: 'givenName', label: t('registration.given_name') },
    { name: 'familyName', label: t('registration.family_name') },
    { name: 'email', label: t('registration.email') },
    { name: 'username', label: t('registration.username') },
    { name: 'password', label: t('registration.password') },
    { name: 'passwordConfirmation', label: t('registration.password_confirmation') },
  ];
}

export interface AccountStepInput {
  values: Values;
  /** Message texts by field. */
  errors: Errors;
  violated?: Set<string>;
  /** A password hash is in the draft (kept from an earlier submit): the password fields may stay empty. */
  keepPassword?: boolean;
}

export async function showAccountStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails, input?: AccountStepInput, status = 200): Promise<void> {
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
  const usernameMode = deps.settings.registration.usernameMode === 'username';
  const keepPassword = input?.keepPassword ?? Boolean(draft.passwordHash);
  deps.views.render(
    ctx,
    'registration/account',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      step: { current: stepsOf(deps).account, total: stepsOf(deps).total },
      usernameMode,
      // Seed 001: in e-mail mode the address is also the username, and the page says so.
      emailHint: t(usernameMode ? 'registration.email_hint' : 'registration.email_hint_is_username'),
      values,
      salutations: [
        { value: '', label: t('registration.salutation_none'), selected: !values.salutation },
        { value: 'ms', label: t('registration.salutation_ms'), selected: values.salutation === 'ms' },
        { value: 'mr', label: t('registration.salutation_mr'), selected: values.salutation === 'mr' },
      ],
      errors,
      errorList: errorSummary(errors, accountFields(t)),
      passwordRules: passwordRuleViews(deps.settings.passwordPolicy, t, input?.violated, values),
      keepPassword,
      // Say what became of the password: kept (the fields may stay empty) or, after an error, cleared.
      passwordNote: keepPassword ? 'registration.keep_password' : Object.keys(errors).length ? 'form.password_cleared' : undefined,
    },
    { title: 'registration.title', status },
  );
}

export async function submitAccountStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  requireLoginPrompt(details);
  const t = deps.views.translator(ctx);
  const body = bodyOf(ctx);
  const raw = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  const values: Values = {
    salutation: raw('salutation'),
    givenName: raw('givenName'),
    familyName: raw('familyName'),
    email: raw('email'),
    username: raw('username'),
  };
  const form = parseForm(accountStepForm(deps.settings.registration.usernameMode), body);
  const errors: Errors = form.ok ? {} : fieldMessages(t, accountFields(t), form.fieldErrors);
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
  if (!form.ok || Object.keys(errors).length) {
    const passwordFine = !keepPassword && !errors.password && !errors.passwordConfirmation;
    if (!passwordFine) return showAccountStep(deps, ctx, details, { values, errors, violated }, 400);
    // Only other fields failed: the good password is kept (hashed, in the draft cookie, as when coming back
    // from the review) instead of making the person type it twice again; the page says so.
    if (!(await withinHashingLimit(deps, ctx))) return;
    deps.registrationCookie.write(ctx, { uid: details.uid, draft: { ...state.draft, passwordHash: await deps.passwords.hash(password) } });
    return showAccountStep(deps, ctx, details, { values, errors, violated, keepPassword: true }, 400);
  }
  // Past the cheap checks, the rest costs a hash or tells whether a username is taken: both behind the
  // per-IP window (an unlimited "taken" answer would let anyone list the usernames).
  if (!(await withinHashingLimit(deps, ctx))) return;
  // A taken username costs no hash (docs/security.md): the password is not kept then, and the page says so.
  if (form.data.username && (await deps.registration.usernameTaken(form.data.username))) {
    return showAccountStep(deps, ctx, details, { values, errors: { username: t('registration.username_taken') }, violated }, 400);
  }
  const passwordHash = keepPassword ? state.draft!.passwordHash! : await deps.passwords.hash(password);

  const data = form.data;
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
