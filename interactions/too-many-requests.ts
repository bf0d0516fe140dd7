import type { Context } from 'koa';
import type { Views } from '../src/http/views.ts';

/** How long to wait, in words a person can act on (seconds under two minutes, minutes above). */
export function waitText(t: (key: string, params?: Record<string, unknown>) => string, seconds: number): string {
  return seconds < 120 ? t('wait.seconds', { count: seconds }) : t('wait.minutes', { count: Math.ceil(seconds / 60) });
}

/** 429 with Retry-After (RFC 6585 §4) and a page that says how long to wait. */
export function renderTooManyRequests(views: Views, ctx: Context, retryAfterSeconds: number): void {
  ctx.set('Retry-After', String(retryAfterSeconds));
  views.render(ctx, 'too-many-requests', { wait: waitText(views.translator(ctx), retryAfterSeconds) }, { title: 'too_many.title', status: 429 });
}
