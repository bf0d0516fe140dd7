// Messages and locales: used by the pages (src/http/views.ts), the mails (src/mail) and the domains that store
// a person's language. No Koa here: src/http/locale.ts is the middleware that picks a request's locale.
export { DEFAULT_LOCALE, LOCALES, negotiateLocale, type Locale } from './locales.ts';
export { loadCatalogues, messageArguments, translator, type Catalogue, type Catalogues, type Translate, type TranslatorOptions } from './messages.ts';
export { registerTranslateHelper } from './handlebars.ts';
