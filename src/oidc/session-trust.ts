import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Config } from '../../config/schema.ts';
import {
  AUTHENTICATION_LEVELS,
  requirementOf,
  type AcrClaimRequest,
  type RequirementOutcome,
  currentAuthentication,
  stepsStillHolding,
  type AuthenticationStep,
  type CurrentAuthentication,
  type SessionLimits,
} from '../trust/index.ts';

/**
 * What Kontor keeps in a login session beside oidc-provider's own fields: the login's steps (each with the
 * level and amr it reached, and when) and the last use, from which the session's level is judged on every
 * authorization request (TR-03160-1 limits per level, falling back instead of ending).
 */
export interface SessionTrust {
  steps: AuthenticationStep[];
  lastActiveAt: number;
  /** The browser's user agent at the login (truncated), for the account area's sessions list. */
  device?: string;
}

/** How much of a user agent a session keeps. */
const DEVICE_MAX_LENGTH = 200;

export const authenticationStepSchema = z.object({
  method: z.string().min(1).max(40),
  amr: z.array(z.string().min(1).max(20)).min(1).max(10),
  level: z.enum(AUTHENTICATION_LEVELS),
  at: z.number().int().nonnegative(),
  /** A federated step's upstream (config id) and its session id (OIDC Back-Channel Logout 1.0 §2.1 `sid`). */
  upstream: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .optional(),
  sid: z.string().min(1).max(255).optional(),
  /** Set for an upstream configured with `sso: false`: the step counts only for this portal. */
  client: z.string().min(1).max(255).optional(),
});

export const sessionTrustSchema = z.object({
  steps: z.array(authenticationStepSchema).max(20),
  lastActiveAt: z.number().int().nonnegative(),
  device: z.string().max(DEVICE_MAX_LENGTH).optional().catch(undefined),
});

/** The user agent as a session keeps it: enough to tell browsers and systems apart, no control characters. */
export function deviceOf(userAgent: string | undefined): string | undefined {
  const cleaned = userAgent?.replace(/\p{Cc}/gu, '').trim();
  return cleaned ? cleaned.slice(0, DEVICE_MAX_LENGTH) : undefined;
}

/**
 * What the login flow hands over when it finishes (the interaction result's `kontor`, next to `login`):
 * the steps that hold for the account now, and whether the person chose to go on below a level the
 * portal asked for without insisting on it (voluntary acr, OIDC Core §3.1.2.1).
 */
export const loginHandoverSchema = z.object({ steps: z.array(authenticationStepSchema).min(1).max(20), acceptedBelow: z.boolean().optional() });
export type LoginHandover = z.infer<typeof loginHandoverSchema>;

/** The session's steps as stored; anything unreadable counts as no login (log in again). */
export function trustOf(session: { kontor?: unknown }): SessionTrust | undefined {
  const parsed = sessionTrustSchema.safeParse(session.kontor);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The steps that count for a request of `clientId`: a step bound to one portal (federated login from an
 * upstream with `sso: false`) gives no single sign-on into the others, which send the person upstream anew.
 */
export function stepsForClient<T extends { client?: string }>(steps: T[], clientId: string | undefined): T[] {
  return steps.filter((step) => !step.client || step.client === clientId);
}

/** The per-level limits of the configuration, in seconds. */
export function sessionLimitsOf(session: Config['session']): SessionLimits {
  return {
    niedrig: { maxSeconds: session.maxHours * 3600, idleSeconds: session.idleMinutes * 60 },
    substanziell: { maxSeconds: session.substanziell.maxMinutes * 60, idleSeconds: session.substanziell.idleMinutes * 60 },
    hoch: { maxSeconds: session.hoch.maxMinutes * 60, idleSeconds: session.hoch.idleMinutes * 60 },
  };
}

/** A browser's login session as the login flow sees it: whose, what still holds, and at which level. */
export interface SessionAuthentication {
  accountId: string;
  steps: AuthenticationStep[];
  current: CurrentAuthentication;
}

/**
 * The login session with id `sessionId` (the interaction's `session.cookie`) at `now`: undefined when
 * there is none or none of its steps holds any more.
 */
export async function sessionAuthentication(
  provider: Provider,
  sessionId: string | undefined,
  now: number,
  limits: SessionLimits,
  clientId?: string,
): Promise<SessionAuthentication | undefined> {
  if (!sessionId) return undefined;
  const session = (await provider.Session.find(sessionId)) as ({ accountId?: string; kontor?: unknown } & object) | undefined;
  if (!session?.accountId) return undefined;
  const stored = trustOf(session);
  const trust = stored && { ...stored, steps: stepsForClient(stored.steps, clientId) };
  if (!trust) return undefined;
  const current = currentAuthentication(trust.steps, trust.lastActiveAt, now, limits);
  if (!current) return undefined;
  return { accountId: session.accountId, steps: stepsStillHolding(trust.steps, trust.lastActiveAt, now, limits), current };
}

/**
 * The acr the authorization request asks for: `claims.id_token.acr` (essential or voluntary, OIDC Core
 * §5.5.1.1) when the request has one, else `acr_values` (voluntary, §3.1.2.1; oidc-provider fills in the
 * client's `default_acr_values` when absent). oidc-provider itself lets `acr_values` replace an essential
 * claims request; Kontor keeps the stricter one. `params` are the request's (or the interaction's) params.
 */
export function acrRequestOf(params: { claims?: unknown; acr_values?: unknown }): AcrClaimRequest | undefined {
  let claims: unknown = params.claims;
  if (typeof claims === 'string') {
    try {
      claims = JSON.parse(claims);
    } catch {
      claims = undefined; // oidc-provider refuses malformed claims before any interaction
    }
  }
  const fromClaims = (claims as { id_token?: { acr?: AcrClaimRequest | null } } | null | undefined)?.id_token?.acr;
  if (fromClaims && typeof fromClaims === 'object') return fromClaims;
  if (typeof params.acr_values === 'string' && params.acr_values.trim()) return { values: params.acr_values.trim().split(/\s+/) };
  return undefined;
}

/** What an interaction's request needs (its params and its client's floor), for the login flow. */
export async function requirementOfInteraction(provider: Provider, params: Record<string, unknown>): Promise<RequirementOutcome> {
  const client = typeof params.client_id === 'string' ? await provider.Client.find(params.client_id) : undefined;
  return requirementOf(acrRequestOf(params), client?.defaultAcrValues);
}
