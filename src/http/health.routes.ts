import Router from '@koa/router';
import type { Orm } from '../db/orm.ts';

/** /healthz: the process answers. /readyz: it can reach its database (load balancers route on this). */
export function healthRoutes(orm: Orm): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await orm.em.fork().execute('select 1');
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database' };
    }
  });
  return router;
}
