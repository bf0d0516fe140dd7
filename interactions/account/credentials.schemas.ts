import { z } from 'zod';
import { emailEnrolmentForm, totpEnrolmentForm } from '../enrolment.schemas.ts';

const password = z.string().max(1024, 'password.too_long').default('');

/**
 * POST /account/password: the current password and the new one twice. The new one is checked against the
 * deployment's policy by the handler (its rules are listed beside the field), the current one by the service.
 */
export const passwordChangeForm = z.object({
  currentPassword: password.refine((value) => value.length > 0, 'account.password.current_required'),
  password,
  passwordConfirmation: password,
});

/** The first code of a new app, or the code from the mail: six digits, as at the login's enrolment. */
export const appCodeForm = totpEnrolmentForm;
export const emailCodeForm = emailEnrolmentForm;
