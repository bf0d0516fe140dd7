import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const read = (file: string) => readFileSync(fileURLToPath(new URL(`../../templates/static/${file}`, import.meta.url)), 'utf8');

// Our pages' only static files (no CDN: pages must work in closed networks and under a strict CSP). The
// script is progressive enhancement; the pages' CSP allows scripts from 'self' only, never inline.
const files: Record<string, { type: string; body: string }> = {
  '/static/kontor.css': { type: 'text/css', body: read('kontor.css') },
  '/static/kontor.js': { type: 'text/javascript', body: read('kontor.js') },
};

/** Serves the stylesheet and the enhancement script. */
export function staticRoutes(): Router {
  const router = new Router();
  for (const [path, file] of Object.entries(files)) {
    router.get(path, (ctx) => {
      ctx.type = file.type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = file.body;
    });
  }
  return router;
}
