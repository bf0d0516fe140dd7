import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { loadCatalogues, registerTranslateHelper, translator, type Locale } from '../i18n/index.ts';

const mailDir = fileURLToPath(new URL('../../templates/mail/', import.meta.url));

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface MessageTemplates {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

/**
 * Mail from templates/mail/<message>/{html,text}.hbs, wrapped in templates/mail/layout.{html,text}.hbs; the
 * subject is the translation key `mail.<message>.subject`. The text part is compiled without HTML escaping.
 */
export class MailRenderer {
  private readonly html = Handlebars.create();
  private readonly text = Handlebars.create();
  private readonly messages = new Map<string, MessageTemplates>();
  private readonly layouts: MessageTemplates;
  private readonly catalogues = loadCatalogues();

  constructor(dir = mailDir) {
    for (const instance of [this.html, this.text]) registerTranslateHelper(instance, this.catalogues);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const read = (file: string) => readFileSync(join(dir, entry.name, file), 'utf8');
      this.messages.set(entry.name, { html: this.html.compile(read('html.hbs')), text: this.text.compile(read('text.hbs'), { noEscape: true }) });
    }
    if (!existsSync(join(dir, 'layout.html.hbs'))) throw new Error(`mail layout missing in ${dir}`);
    this.layouts = {
      html: this.html.compile(readFileSync(join(dir, 'layout.html.hbs'), 'utf8')),
      text: this.text.compile(readFileSync(join(dir, 'layout.text.hbs'), 'utf8'), { noEscape: true }),
    };
  }

  has(message: string): boolean {
    return this.messages.has(message);
  }

  render(message: string, locale: Locale, data: Record<string, unknown>): RenderedMail {
    const templates = this.messages.get(message);
    if (!templates) throw new Error(`unknown mail template ${message}`);
    const root = { ...data, locale };
    const subject = translator(this.catalogues, locale)(`mail.${message}.subject`, data);
    return {
      subject,
      text: this.layouts.text({ ...root, subject, body: templates.text(root) }),
      html: this.layouts.html({ ...root, subject, body: templates.html(root) }),
    };
  }
}
