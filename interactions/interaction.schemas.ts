import { z } from 'zod';

/** The login form. `username` and `password` are a documented contract (tests and password managers). */
export const loginForm = z.object({
  username: z.string().trim().min(1, 'login.username_required').max(254).refine((value) => !/[\u0000-\u001f]/.test(value), 'login.username_invalid'),
  password: z.string().min(1, 'login.password_required').max(1024).refine((value) => !value.includes('\u0000'), 'login.password_required'),
});

export const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/) });
