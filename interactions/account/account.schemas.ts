import { z } from 'zod';

/** GET /account/login: where to come back to and what the login must be (re-authentication before a change). */
export const loginQuery = z.object({
  return: z.string().max(500).optional().catch(undefined),
  /** 1: a change needs a fresh login (the interstitial says why, then max_age=0). */
  reauth: z.literal('1').optional().catch(undefined),
  /** 1: the interstitial's button was pressed; go to the authorization endpoint. */
  start: z.literal('1').optional().catch(undefined),
  prompt: z.literal('login').optional().catch(undefined),
  max_age: z.coerce.number().int().min(0).max(86_400).optional().catch(undefined),
  acr_values: z
    .string()
    .regex(/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/)
    .max(500)
    .optional()
    .catch(undefined),
});

/** GET /account?done=<key>: the notice after a change (`account.done.<key>`). */
export const dashboardQuery = z.object({
  done: z
    .string()
    .regex(/^[a-z_]{1,40}$/)
    .optional()
    .catch(undefined),
});

/** POST /account/sessions/end: which login session to end (oidc-provider's session uid). */
export const endSessionForm = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** GET /account/sessions?ended=one|others: the notice after ending sessions. */
export const sessionsQuery = z.object({ ended: z.enum(['one', 'others']).optional().catch(undefined) });
