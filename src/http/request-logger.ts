import type { Context, Next } from 'koa';
import type { Logger } from '../shared/logger.ts';

/**
 * One line per request. Logs the path without its query string: queries carry id_token_hint, codes
 * and state values that must not land in logs.
 */
export function requestLogger(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (ctx.path !== '/healthz' && ctx.path !== '/readyz') {
        logger.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    }
  };
}
