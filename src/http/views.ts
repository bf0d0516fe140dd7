import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Context } from 'koa';
import { loadCatalogues, registerTranslateHelper, translator, type Locale, type Translate, type TranslatorOptions } from '../i18n/index.ts';

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface PageOptions {
  status?: number;
  /** Translation key of the page title. */
  title: string;
}

/**
 * Server-rendered pages: one layout, partials, pages/<area>/<name>.hbs, compiled once at start.
 * Output is escaped ({{ }}); templates hold translation keys, never literal UI text.
 */
export class Views {
  private readonly handlebars = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;
  private readonly catalogues = loadCatalogues();

  private readonly messageOptions: TranslatorOptions;

  constructor(dir = templatesDir, messageOptions: TranslatorOptions = {}) {
    this.messageOptions = messageOptions;
    registerTranslateHelper(this.handlebars, this.catalogues, messageOptions);
    for (const file of listHbs(join(dir, 'partials'))) {
      this.handlebars.registerPartial(relative(join(dir, 'partials'), file).replace(/\.hbs$/, ''), readFileSync(file, 'utf8'));
    }
    for (const file of listHbs(join(dir, 'pages'))) {
      this.pages.set(relative(join(dir, 'pages'), file).replace(/\.hbs$/, ''), this.handlebars.compile(readFileSync(file, 'utf8'), { strict: false }));
    }
    this.layout = this.handlebars.compile(readFileSync(join(dir, 'layouts', 'main.hbs'), 'utf8'));
  }

  /** Translates for the request's locale (handlers that pass ready texts, e.g. configured field labels). */
  translator(ctx: Context): Translate {
    return translator(this.catalogues, (ctx.state.locale as Locale | undefined) ?? 'de', this.messageOptions);
  }

  /** Renders `page` into the layout and writes it to the response with our page security headers. */
  render(ctx: Context, page: string, model: Record<string, unknown>, options: PageOptions): void {
    const template = this.pages.get(page);
    if (!template) throw new Error(`unknown page template ${page}`);
    const locale = (ctx.state.locale as Locale | undefined) ?? 'de';
    const root = { ...model, locale, csrfToken: ctx.state.csrfToken };
    const body = template(root);
    ctx.status = options.status ?? 200;
    ctx.type = 'html';
    // Scripts only from our own /static files (the password toggle; pages work without it), never inline: the
    // policy stops injected markup from running, loading or framing anything.
    ctx.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
    ctx.set('Cache-Control', 'no-store');
    ctx.body = this.layout({ ...root, body, titleKey: options.title, pageTitle: this.pageTitle(ctx, options.title, model) });
  }

  /**
   * The document title; after a failed submit it starts with "Fehler: " / "Error: ", so a screen reader
   * user hears at once that the form came back (WCAG 3.3.1, GOV.UK error summary pattern). A page has
   * failed when its model carries a non-empty `errorList` (see formErrors() in validate.ts).
   */
  private pageTitle(ctx: Context, titleKey: string, model: Record<string, unknown>): string {
    const t = this.translator(ctx);
    const failed = Array.isArray(model.errorList) && model.errorList.length > 0;
    return failed ? t('form.error_title', { title: t(titleKey) }) : t(titleKey);
  }
}

function listHbs(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listHbs(path);
    return entry.name.endsWith('.hbs') ? [path] : [];
  });
}
