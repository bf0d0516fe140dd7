import { type BrowserAgent, formEndingWith, open, type AuthorizationRequest } from './relying-party.ts';
import { decodeEntities, type AgentResponse } from './browser-agent.ts';

export interface Registrant {
  salutation?: string;
  givenName: string;
  familyName: string;
  email: string;
  username?: string;
  password: string;
  passwordConfirmation?: string;
  /** Extra profile fields by name (deployments that configure them). */
  profile?: Record<string, string>;
  /** Consent ids to tick on the review step (default: all of them that the page offers). */
  consents?: string[];
}

let counter = 0;
/** A registrant with a unique address and a password that satisfies the default (Sachsen-Anhalt) policy. */
export function newRegistrant(overrides: Partial<Registrant> = {}): Registrant {
  counter += 1;
  return { givenName: 'Erika', familyName: 'Mustermann', email: `erika.${counter}.${Date.now()}@example.org`, password: 'Musterstadt-2026', ...overrides };
}

/** The account step's form fields for `person`. */
export const accountFields = (person: Registrant): Record<string, string> => ({
  salutation: person.salutation ?? '',
  givenName: person.givenName,
  familyName: person.familyName,
  email: person.email,
  ...(person.username !== undefined ? { username: person.username } : {}),
  password: person.password,
  passwordConfirmation: person.passwordConfirmation ?? person.password,
});

/** Submits the account step of the registration form shown at `page`; follows to the next page. */
export async function submitAccountStep(agent: BrowserAgent, page: AgentResponse, person: Registrant): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/register');
  return agent.follow(await agent.post(form.action, { ...form.fields, ...accountFields(person) }));
}

/** The error shown at a field, decoded, without the "Fehler:" that only screen readers hear (undefined when the field has none). */
export function fieldError(page: AgentResponse, id: string): string | undefined {
  const match = new RegExp(`<p class="field-error" id="${id}-error"[^>]*>([\\s\\S]*?)</p>`).exec(page.body);
  return match ? decodeEntities(match[1]!.replace(/^<span class="visually-hidden">[^<]*<\/span>\s*/, '')) : undefined;
}

/** The texts of the error summary's entries, decoded, in page order. */
export function summaryErrors(page: AgentResponse): string[] {
  const summary = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(page.body)?.[0] ?? '';
  return [...summary.matchAll(/<li>(?:<a href="#[^"]*">)?([\s\S]*?)(?:<\/a>)?<\/li>/g)].map((match) => decodeEntities(match[1]!));
}

/** The page's document title, decoded. */
export function pageTitle(page: AgentResponse): string {
  return decodeEntities(/<title>([\s\S]*?)<\/title>/.exec(page.body)?.[1] ?? '');
}

/** The password rules the form marks as "nicht erfüllt". */
export function markedRules(page: AgentResponse): string[] {
  return [...page.body.matchAll(/<li class="violated">([^<]*) <strong>\(nicht erfüllt\)<\/strong><\/li>/g)].map((match) => decodeEntities(match[1]!));
}

/** Ticks the consents (all offered by default) and creates the account; returns the "check your mail" page. */
export async function submitReview(agent: BrowserAgent, page: AgentResponse, consents?: string[]): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/register/review');
  const offered = [...page.body.matchAll(/name="(consent_[a-z0-9-]+)"/g)].map((match) => match[1]!);
  const ticked = consents ? offered.filter((name) => consents.includes(name.slice('consent_'.length))) : offered;
  return agent.follow(await agent.post(form.action, { ...form.fields, ...Object.fromEntries(ticked.map((name) => [name, 'on'])) }));
}

/**
 * Walks the whole registration from an authorization request: login page → "register" → account step →
 * (profile step) → review → "check your mail". Returns that last page and the agent's state.
 */
export async function registerThroughInteraction(agent: BrowserAgent, request: AuthorizationRequest, person: Registrant): Promise<AgentResponse> {
  const login = await open(agent, request.url);
  if (login.status !== 200) throw new Error(`expected the login page, got ${login.status}`);
  const registerUrl = /href="(\/interaction\/[^"]+\/register)"/.exec(login.body)?.[1];
  if (!registerUrl) throw new Error('no registration link on the login page');
  const accountStep = await agent.get(registerUrl);
  let next = await submitAccountStep(agent, accountStep, person);
  if (next.url.endsWith('/register/profile')) {
    const form = formEndingWith(next.body, '/register/profile');
    next = await agent.follow(await agent.post(form.action, { ...form.fields, ...person.profile }));
  }
  if (!next.url.endsWith('/register/review')) throw new Error(`expected the review step, got ${next.status} ${next.url}: ${next.body.slice(0, 1500)}`);
  return submitReview(agent, next, person.consents);
}

/**
 * Opens a confirmation link from a mail and presses the confirm button; returns where that leads. A
 * browser other than the registering one is asked for the registration's password: pass it as `password`.
 */
export async function confirmLink(agent: BrowserAgent, link: string, stopAt?: (location: string) => boolean, password?: string): Promise<AgentResponse> {
  const page = await agent.get(link);
  if (page.status !== 200) return page;
  const form = formEndingWith(page.body, '/register/confirm');
  const asked = page.body.includes('name="password"');
  if (asked && password === undefined) throw new Error('the confirmation page asks for the password: pass it to confirmLink');
  return agent.follow(await agent.post(form.action, { ...form.fields, ...(asked ? { password: password! } : {}) }), stopAt);
}

/** Opens a new authorization request in `agent` and goes to the registration's account step. */
export async function openAccountStep(agent: BrowserAgent, request: AuthorizationRequest): Promise<AgentResponse> {
  const login = await open(agent, request.url);
  const registerUrl = /href="(\/interaction\/[^"]+\/register)"/.exec(login.body)?.[1];
  if (!registerUrl) throw new Error(`no registration link on the login page: ${login.status}`);
  return agent.get(registerUrl);
}

/** Posts the account step on `page` with these fields (no redirect followed). */
export async function postAccountStep(agent: BrowserAgent, page: AgentResponse, fields: Record<string, string>): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/register');
  return agent.post(form.action, { ...form.fields, ...fields });
}
