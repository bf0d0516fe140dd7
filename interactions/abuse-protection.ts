import type { Context } from 'koa';
import type { Views } from '../src/http/views.ts';
import { clientAddressKey, type RateLimiter, type RateRule } from '../src/rate-limits/index.ts';

/** How long to wait, in words a person can act on (seconds under two minutes, minutes above). */
export function waitText(t: (key: string, params?: Record<string, unknown>) => string, seconds: number): string {
  return seconds < 120 ? t('wait.seconds', { count: seconds }) : t('wait.minutes', { count: Math.ceil(seconds / 60) });
}

/** 429 with Retry-After (RFC 6585 §4) and a page that says how long to wait. */
export function renderTooManyRequests(views: Views, ctx: Context, retryAfterSeconds: number): void {
  ctx.set('Retry-After', String(retryAfterSeconds));
  views.render(ctx, 'too-many-requests', { wait: waitText(views.translator(ctx), retryAfterSeconds) }, { title: 'too_many.title', status: 429 });
}

/**
 * Counts the request against the per-IP window of `scope` (IPv6 per /64). Over the limit it answers 429 and
 * returns false: the handler stops there.
 */
export async function withinIpLimit(deps: { rateLimiter: RateLimiter; views: Views }, ctx: Context, scope: string, rule: RateRule): Promise<boolean> {
  const decision = await deps.rateLimiter.hit(scope, clientAddressKey(ctx.ip), rule);
  if (!decision.allowed) renderTooManyRequests(deps.views, ctx, decision.retryAfterSeconds);
  return decision.allowed;
}

/**
 * The per-IP window in front of every route that costs an argon2id hash or verification outside login
 * (which has its own): registration step 1, password reset, confirming a registration by password. One
 * window for all of them (`rateLimits.passwordHashPerIp`), counted before any hashing.
 */
export function withinHashingLimit(
  deps: { rateLimiter: RateLimiter; views: Views; settings: { rateLimits: { passwordHashPerIp: RateRule } } },
  ctx: Context,
): Promise<boolean> {
  return withinIpLimit(deps, ctx, 'password-hash-ip', deps.settings.rateLimits.passwordHashPerIp);
}

/**
 * Pads a response to a minimum duration, so the work done for a new address (account, token, mail) and for
 * a known one (a mail) cannot be told apart by timing.
 */
export async function equalise(startedAt: number, minimumMs: number): Promise<void> {
  const left = minimumMs - (Date.now() - startedAt);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}
