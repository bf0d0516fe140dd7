import type Handlebars from 'handlebars';
import { translator, type Catalogues, type TranslatorOptions } from './messages.ts';
import type { Locale } from './locales.ts';

/**
 * Registers `{{t "key" name=value}}` (and the sub-expression `(t "key")`) on a Handlebars instance; the
 * locale comes from the template's root data.
 */
export function registerTranslateHelper(handlebars: typeof Handlebars, catalogues: Catalogues, options: TranslatorOptions = {}): void {
  handlebars.registerHelper('t', (key: string, helper: Handlebars.HelperOptions) => {
    const t = translator(catalogues, (helper.data.root as { locale: Locale }).locale, options);
    return t(key, helper.hash as Record<string, unknown>);
  });
}
