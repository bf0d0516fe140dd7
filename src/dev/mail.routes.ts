import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Outbox } from '../mail/index.ts';
import type { Views } from '../http/views.ts';
import { loopbackOnly } from '../http/loopback-only.ts';

const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

/** Splits a text mail into text and link parts, so the page can make links clickable with escaped output only. */
function linkify(text: string): Array<{ text?: string; link?: string }> {
  return text
    .split(URL_PATTERN)
    .filter(Boolean)
    .map((part) => (/^https?:\/\//.test(part) ? { link: part } : { text: part }));
}

/**
 * The development mailbox: mail in the outbox, newest first, readable without an SMTP server. Only mounted
 * in development with dev features on (those are refused on public issuers): it shows live links, so it
 * also answers only connections from this machine, even when development listens on every interface.
 */
export function devMailRoutes(outbox: Outbox, views: Views, pageMiddleware: Middleware[]): Router {
  const router = new Router({ prefix: '/dev/mail' });
  router.use(loopbackOnly, ...pageMiddleware);
  router.get('/', async (ctx) => {
    const mails = (await outbox.recent(30)).map((mail) => ({ ...mail, createdAt: mail.createdAt.toISOString(), parts: linkify(mail.text) }));
    views.render(ctx, 'dev/mail', { mails }, { title: 'dev_mail.title' });
  });
  router.get('/:id', async (ctx) => {
    const mail = await outbox.read(String(ctx.params.id));
    if (!mail) return;
    ctx.type = 'html';
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
    ctx.set('Cache-Control', 'no-store');
    ctx.body = mail.html;
  });
  return router;
}
