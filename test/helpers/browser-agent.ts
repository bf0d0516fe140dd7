/**
 * A small cookie-keeping HTTP user agent for protocol tests: it follows redirects one by one (so tests can
 * stop at the relying party's redirect URI), keeps cookies per path like a browser, and reads forms.
 */
interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface AgentResponse {
  status: number;
  location: string | null;
  body: string;
  url: string;
  headers: Headers;
}

export class BrowserAgent {
  private readonly cookies = new Map<string, StoredCookie>();
  readonly origin: string;
  private readonly userAgent: string | undefined;

  /** `userAgent`: the User-Agent header to send (a browser's, for pages that show the device). */
  constructor(origin: string, options: { userAgent?: string } = {}) {
    this.origin = origin;
    this.userAgent = options.userAgent;
  }

  async get(url: string): Promise<AgentResponse> {
    return this.request(url, { method: 'GET' });
  }

  /** `form` as pairs when a name repeats (ticked checkboxes of one name), as a browser sends them. */
  async post(url: string, form: Record<string, string> | Array<[string, string]>): Promise<AgentResponse> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** Follows redirects while they stay on this origin; returns the first response that is not one. */
  async follow(response: AgentResponse, stopAt?: (location: string) => boolean): Promise<AgentResponse> {
    let current = response;
    for (let hops = 0; hops < 20 && current.location; hops += 1) {
      const next = new URL(current.location, current.url).href;
      if (stopAt?.(next) || !next.startsWith(this.origin)) return current;
      current = await this.get(next);
    }
    return current;
  }

  cookieNames(): string[] {
    return [...this.cookies.values()].map((cookie) => cookie.name);
  }

  /** The values of the cookies called `name` (one per path). */
  cookieValues(name: string): string[] {
    return [...this.cookies.values()].filter((cookie) => cookie.name === name).map((cookie) => cookie.value);
  }

  dropCookie(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  private async request(url: string, init: RequestInit): Promise<AgentResponse> {
    const target = new URL(url, this.origin);
    const cookie = [...this.cookies.values()]
      .filter((c) => target.pathname.startsWith(c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const response = await fetch(target, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        ...(cookie ? { cookie } : {}),
        ...(this.userAgent ? { 'user-agent': this.userAgent } : {}),
        'accept-language': 'de',
      },
    });
    for (const header of response.headers.getSetCookie()) this.store(header);
    return { status: response.status, location: response.headers.get('location'), body: await response.text(), url: target.href, headers: response.headers };
  }

  private store(header: string): void {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    let path = '/';
    let expired = value === '';
    for (const attribute of attributes) {
      const [key, attrValue = ''] = attribute.split('=');
      if (key!.toLowerCase() === 'path') path = attrValue;
      if (key!.toLowerCase() === 'max-age' && Number(attrValue) <= 0) expired = true;
      if (key!.toLowerCase() === 'expires' && Date.parse(attrValue) < Date.now()) expired = true;
    }
    const key = `${name}|${path}`;
    if (expired) this.cookies.delete(key);
    else this.cookies.set(key, { name, value, path });
  }
}

export interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

/** Every form on the page with its hidden fields and ticked checkboxes (enough for our server-rendered pages). */
export function parseForms(html: string): ParsedForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((match) => {
    const action = decodeEntities(/action="([^"]*)"/.exec(match[1]!)?.[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input[1]!)?.[1];
      const checkbox = /type="checkbox"/.test(input[1]!);
      // A checkbox without a value is sent as "on" (HTML §4.10.5.1.15), like a browser does.
      const value = /value="([^"]*)"/.exec(input[1]!)?.[1] ?? (checkbox ? 'on' : '');
      // As a browser submits: hidden fields, and checkboxes that are ticked (the consent page's optional claims).
      const submitted = /type="hidden"/.test(input[1]!) || (checkbox && /\schecked\b/.test(input[1]!));
      if (name && submitted) fields[decodeEntities(name)] = decodeEntities(value);
    }
    return { action, fields };
  });
}

/** The form whose action ends with `suffix`, e.g. '/login'. */
export function formEndingWith(html: string, suffix: string): ParsedForm {
  const form = parseForms(html).find((candidate) => candidate.action.endsWith(suffix));
  if (!form) throw new Error(`no form with action ending in ${suffix} on page:\n${html.slice(0, 2000)}`);
  return form;
}

/** Text as the reader sees it: the entities Handlebars writes turned back into characters. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
