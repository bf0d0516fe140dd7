import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { loadCatalogues, registerTranslateHelper, translator, type Locale } from '../i18n/index.ts';

const mailDir = fileURLToPath(new URL('../../templates/mail/', import.meta.url));

/**
 * Who sends the mail and whom people can ask (config `operator`): every mail names them in the header and
 * the footer, and the password-changed notice points to them for "that was not me".
 */
export interface MailSender {
  name: string;
  contact: { email?: string; phone?: string; url?: string };
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface MessageTemplates {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

/** Partials shared by every mail (templates/mail/partials/<name>.{html,text}.hbs); not a message. */
const PARTIALS_DIR = 'partials';

/**
 * Mail from templates/mail/<message>/{html,text}.hbs, wrapped in templates/mail/layout.{html,text}.hbs; the
 * subject is the translation key `mail.<message>.subject`. The text part is compiled without HTML escaping.
 * Every template sees `operator` (name, contact, `hasContact`) and `locale` besides the message's data.
 */
export class MailRenderer {
  private readonly html = Handlebars.create();
  private readonly text = Handlebars.create();
  private readonly messages = new Map<string, MessageTemplates>();
  private readonly layouts: MessageTemplates;
  private readonly catalogues = loadCatalogues();
  private readonly operator: MailSender & { hasContact: boolean; contact: MailSender['contact'] & { tel?: string } };

  constructor(sender: MailSender, dir = mailDir) {
    const { email, phone } = sender.contact;
    // A link in a mail is followed by trusting people: web pages only, never javascript: or data: URLs.
    const url = sender.contact.url && /^https?:\/\//i.test(sender.contact.url) ? sender.contact.url : undefined;
    // tel: URIs take no spaces or separators (RFC 3966 §3 allows them only as visual separators: dropped).
    this.operator = { name: sender.name, hasContact: Boolean(email || phone || url), contact: { email, phone, url, tel: phone?.replace(/[^+\d]/g, '') } };
    for (const instance of [this.html, this.text]) registerTranslateHelper(instance, this.catalogues);
    const partials = join(dir, PARTIALS_DIR);
    for (const file of existsSync(partials) ? readdirSync(partials) : []) {
      const source = readFileSync(join(partials, file), 'utf8');
      if (file.endsWith('.html.hbs')) this.html.registerPartial(file.slice(0, -'.html.hbs'.length), this.html.compile(source));
      if (file.endsWith('.text.hbs')) this.text.registerPartial(file.slice(0, -'.text.hbs'.length), this.text.compile(source, { noEscape: true }));
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === PARTIALS_DIR) continue;
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
    const root = { ...data, operator: this.operator, locale };
    const subject = translator(this.catalogues, locale)(`mail.${message}.subject`, data);
    return {
      subject,
      text: this.layouts.text({ ...root, subject, body: templates.text(root) }),
      html: this.layouts.html({ ...root, subject, body: templates.html(root) }),
    };
  }
}
