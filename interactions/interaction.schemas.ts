import { z } from 'zod';

/** The login form. `username` and `password` are a documented contract (tests and password managers). */
export const loginForm = z.object({
  username: z.string().trim().min(1, 'login.username_required').max(254),
  password: z.string().min(1, 'login.password_required').max(1024),
});

export const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/) });
