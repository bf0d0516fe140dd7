import type { AuthenticationLevel } from './trust-level.ts';

/**
 * One completed step of a login, as the session keeps it: the level and `amr` the login had reached with
 * this step (cumulative: password + TOTP is one entry at substanziell with `["pwd","otp","mfa"]`, kept
 * beside the password's own entry at niedrig), and when (epoch seconds).
 */
export interface AuthenticationStep {
  method: string;
  amr: string[];
  level: AuthenticationLevel;
  at: number;
  /** A federated step: the upstream it came from and that upstream's session id (for logout both ways). */
  upstream?: string;
  sid?: string;
  /** Counts only for this portal (a federated login from an upstream without SSO). */
  client?: string;
}

/** How long a session keeps a level (TR-03160-1): from the step that reached it, and since the last use. */
export interface LevelLimits {
  maxSeconds: number;
  idleSeconds: number;
}

export type SessionLimits = Record<AuthenticationLevel, LevelLimits>;

/** What a session stands for now. */
export interface CurrentAuthentication {
  level: AuthenticationLevel;
  amr: string[];
  /** When the step that gives this level happened (auth_time, epoch seconds). */
  authTime: number;
  method: string;
}

const ORDER: AuthenticationLevel[] = ['hoch', 'substanziell', 'niedrig'];

/** Whether a step still holds at `now` under its level's limits. */
function holds(step: AuthenticationStep, lastActiveAt: number, now: number, limits: SessionLimits): boolean {
  const limit = limits[step.level];
  return now - step.at <= limit.maxSeconds && now - lastActiveAt <= limit.idleSeconds;
}

/**
 * The level a session holds now. When a higher level's limit has run out the session falls back to the
 * highest level a remaining step still supports instead of ending; undefined when none holds (the session
 * is over).
 */
export function currentAuthentication(
  steps: readonly AuthenticationStep[],
  lastActiveAt: number,
  now: number,
  limits: SessionLimits,
): CurrentAuthentication | undefined {
  for (const level of ORDER) {
    const step = steps.filter((candidate) => candidate.level === level && holds(candidate, lastActiveAt, now, limits)).sort((a, b) => b.at - a.at)[0];
    if (step) return { level, amr: step.amr, authTime: step.at, method: step.method };
  }
  return undefined;
}

/** The steps that still hold (what a new step builds on, and what the session keeps). */
export function stepsStillHolding(steps: readonly AuthenticationStep[], lastActiveAt: number, now: number, limits: SessionLimits): AuthenticationStep[] {
  return steps.filter((step) => holds(step, lastActiveAt, now, limits));
}

/** Seconds until no step holds any more, counted from a use at `now` (the session's lifetime from now). */
export function secondsLeft(steps: readonly AuthenticationStep[], now: number, limits: SessionLimits): number {
  let longest = 0;
  for (const step of steps) {
    const limit = limits[step.level];
    longest = Math.max(longest, Math.min(limit.idleSeconds, step.at + limit.maxSeconds - now));
  }
  return longest;
}
