import type { Context, Next } from 'koa';
import { negotiateLocale, type Locale } from '../i18n/index.ts';

export const LOCALE_COOKIE = 'kontor.lang';

/** ctx.state.locale from ?ui_locales / ?lang, the language cookie, Accept-Language, else German. */
export function localeMiddleware(secureCookies: boolean) {
  return async (ctx: Context, next: Next) => {
    const explicit = typeof ctx.query.lang === 'string' ? ctx.query.lang : undefined;
    const uiLocales = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined;
    ctx.state.locale = negotiateLocale([explicit, uiLocales, ctx.cookies.get(LOCALE_COOKIE), ctx.get('Accept-Language')]);
    if (explicit || uiLocales) {
      ctx.cookies.set(LOCALE_COOKIE, ctx.state.locale as Locale, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        path: '/',
        maxAge: 365 * 86400_000,
      });
    }
    await next();
  };
}
