import { z } from 'zod';

/**
 * The login form. `username` and `password` are a documented contract (tests and password managers). The
 * messages name the field as the page labels it: the e-mail address in e-mail mode, else the username.
 */
export function loginForm(usernameMode: 'email' | 'username') {
  const required = usernameMode === 'email' ? 'login.email_required' : 'login.username_required';
  return z.object({
    username: z
      .string(required)
      .trim()
      .min(1, required)
      .max(254, 'login.username_invalid')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is this check's purpose
      .refine((value) => !/[\u0000-\u001f]/.test(value), 'login.username_invalid'),
    password: z
      .string('login.password_required')
      .min(1, 'login.password_required')
      .max(1024, 'login.password_required')
      .refine((value) => !value.includes('\u0000'), 'login.password_required'),
  });
}

export const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/) });
