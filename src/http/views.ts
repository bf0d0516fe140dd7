import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Context } from 'koa';
import type { OperatorConfig } from '../../config/schema.ts';
import { LOCALES, loadCatalogues, registerTranslateHelper, translator, type Locale, type Translate, type TranslatorOptions } from '../i18n/index.ts';

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface PageOptions {
  status?: number;
  /** Translation key of the page title. */
  title: string;
  /** Further origins images may come from (a portal's registered logo on the consent page). */
  imageOrigins?: string[];
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
    const root = { ...model, locale, csrfToken: ctx.state.csrfToken, site: siteLocals(ctx, locale) };
    const body = template(root);
    ctx.status = options.status ?? 200;
    ctx.type = 'html';
    // Scripts only from our own /static files (the password toggle; pages work without it), never inline: the
    // policy stops injected markup from running, loading or framing anything.
    ctx.set(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src ${["'self'", 'data:', ...(options.imageOrigins ?? [])].join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    );
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

/** What the layout's header, footer and language switch show (the operator comes from app.ts' `siteContext`). */
export interface SiteLocals {
  operator: { name: string; logoUrl?: string };
  links: Array<{ key: string; url: string }>;
  feedback?: { url: string; email?: string };
  contact: { email?: string; phone?: string; url?: string };
  languages: Array<{ code: Locale; labelKey: string; url: string; current: boolean }>;
  /** Minutes the current multi-step form lasts without a step (registration), stated on its pages. */
  timeLimitMinutes?: number;
}

/** Layout locals of a request: operator branding and legal links in its locale, language switch URLs. */
export function siteLocals(ctx: Context, locale: Locale): SiteLocals {
  const operator = ctx.state.operator as OperatorConfig | undefined;
  const pick = (link: { de: string; en?: string } | undefined) => (link ? (locale === 'en' ? (link.en ?? link.de) : link.de) : undefined);
  // Footer order as on the seeds' portals: legal pages, then help (BITV 2.0 §7 wants the statement reachable from every page).
  const links = (['imprint', 'privacy', 'accessibility', 'help'] as const).flatMap((name) => {
    const url = pick(operator?.links[name]);
    return url ? [{ key: `site.link.${name}`, url }] : [];
  });
  const feedback = operator?.accessibilityFeedback;
  const feedbackUrl = feedback?.url ?? (feedback?.email ? `mailto:${feedback.email}` : undefined);
  return {
    operator: { name: operator?.name ?? 'Kontor', logoUrl: operator?.logoUrl },
    links,
    feedback: feedbackUrl ? { url: feedbackUrl, email: feedback?.email } : undefined,
    contact: operator?.contact ?? {},
    languages: LOCALES.map((code) => ({ code, labelKey: `site.language.${code}`, url: withLang(ctx, code), current: code === locale })),
    timeLimitMinutes: ctx.state.timeLimitMinutes as number | undefined,
  };
}

/**
 * The current path and query with `lang` set: the switch keeps the person where they are. A page that
 * answers a POST is linked by the GET route that shows it (the interaction's login/consent actions have
 * none of their own; the rest of our forms post to the URL that shows them).
 */
function withLang(ctx: Context, code: Locale): string {
  const path = ctx.method === 'GET' || ctx.method === 'HEAD' ? ctx.path : ctx.path.replace(/^(\/interaction\/[^/]+)\/(?:login|consent|abort)$/, '$1');
  const params = new URLSearchParams(ctx.method === 'GET' ? ctx.querystring : '');
  params.delete('lang');
  params.delete('ui_locales');
  params.set('lang', code);
  return `${path}?${params.toString()}`;
}

function listHbs(dir: string): string[] {
  let entries: Dirent[];
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
