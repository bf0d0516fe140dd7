import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const stylesheet = readFileSync(fileURLToPath(new URL('../../templates/static/kontor.css', import.meta.url)), 'utf8');

/** The one stylesheet of our pages (no CDN: pages must work in closed networks and under a strict CSP). */
export function staticRoutes(): Router {
  const router = new Router();
  router.get('/static/kontor.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  return router;
}
