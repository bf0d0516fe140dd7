import { z } from 'zod';
import type { ProfileField } from '../../config/registration.ts';
import { AppError } from '../shared/app-error.ts';
import { SALUTATIONS } from './account.entity.ts';
import { emailAddress } from './email.ts';
import { freeTextProblem, NAME_MAX_LENGTH, NAME_PATTERN } from './free-text.ts';
import { parseProfileFields, profileValueToInput } from './profile-fields.ts';
import type { RegistrationDraft } from './registration.service.ts';

/** Case-sensitive; no "@", so a username can never be mistaken for someone's e-mail address at login. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,50}$/;

/**
 * A given or family name as the registration form and the final check accept it: letters, spaces and
 * - ' . only (see NAME_PATTERN), no web address, no invisible characters, at most 50 characters.
 */
export const personName = z
  .string('registration.required')
  .trim()
  .min(1, 'registration.required')
  .superRefine((value, ctx) => {
    const problem =
      freeTextProblem(value) ??
      ([...value].length > NAME_MAX_LENGTH ? 'registration.too_long' : NAME_PATTERN.test(value) ? undefined : 'registration.name_characters');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export interface DraftRules {
  usernameMode: 'email' | 'username';
  profileFields: ProfileField[];
}

/** The whole draft was checked and something is missing or wrong; field name → translation key. */
export class DraftInvalidError extends AppError {
  readonly fieldErrors: Record<string, string>;
  constructor(fieldErrors: Record<string, string>) {
    super('registration.incomplete', 400, Object.keys(fieldErrors));
    this.fieldErrors = fieldErrors;
  }
}

function accountSchema(usernameMode: DraftRules['usernameMode']) {
  return z.object({
    salutation: z.enum(SALUTATIONS, 'registration.salutation_invalid').nullable(),
    givenName: personName,
    familyName: personName,
    email: z.string('account.email_required').pipe(emailAddress),
    username:
      usernameMode === 'username'
        ? z.string('registration.username_required').regex(USERNAME_PATTERN, 'registration.username_invalid')
        : z.null('registration.username_invalid'),
    // Made by step 1 (argon2id); anything else means step 1 was skipped.
    passwordHash: z.string('password.required').startsWith('$argon2id$', 'password.required'),
  });
}

/**
 * Checks a complete registration draft with the rules of every step: the account step's fields and the
 * deployment's profile fields (required ones present, values valid). The registration service calls it
 * before anything is stored, so no way through the steps (a review posted directly, an old cookie, a
 * changed configuration) creates an account with less than the deployment requires. Returns the draft with
 * the profile reduced to the configured fields, or throws {@link DraftInvalidError}.
 */
export function checkDraft(draft: Partial<RegistrationDraft>, rules: DraftRules): RegistrationDraft {
  const errors: Record<string, string> = {};
  const account = accountSchema(rules.usernameMode).safeParse({ ...draft, salutation: draft.salutation ?? null, username: draft.username ?? null });
  if (!account.success) {
    for (const issue of account.error.issues) {
      const field = String(issue.path[0] ?? 'draft');
      errors[field] ??= issue.message;
    }
  }
  const stored = draft.profile ?? {};
  const input = Object.fromEntries(rules.profileFields.map((field) => [field.name, profileValueToInput(field, stored[field.name])]));
  const profile = parseProfileFields(rules.profileFields, input);
  Object.assign(errors, profile.errors);
  if (!account.success || Object.keys(errors).length) throw new DraftInvalidError(errors);
  return { ...account.data, profile: profile.values };
}
