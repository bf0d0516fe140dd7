import Router from '@koa/router';
import type { Orm } from '../db/orm.ts';

/** A load balancer must get an answer even when the database hangs instead of refusing. */
const READY_TIMEOUT_MS = 2000;

/** /healthz: the process answers. /readyz: it can reach its database (load balancers route on this). */
export function healthRoutes(orm: Orm): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await Promise.race([
        orm.em.fork().execute('select 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('readiness check timed out')), READY_TIMEOUT_MS).unref()),
      ]);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database' };
    }
  });
  return router;
}
