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
    // Our pages run no script; the policy stops injected markup from loading or framing anything.
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
    ctx.set('Cache-Control', 'no-store');
    ctx.body = this.layout({ ...root, body, titleKey: options.title });
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
