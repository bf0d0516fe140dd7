import * as oidc from 'openid-client';
import { decodeEntities, parseForms, type AgentResponse, type BrowserAgent } from './browser-agent.ts';
import { REDIRECT_URI, submitConsent, type AuthorizationRequest } from './relying-party.ts';

const atPortal = (location: string) => location.startsWith(REDIRECT_URI);

/** The TOTP secret as the enrolment page shows it (`id="totp-secret"`, in blocks of four), without the spaces. */
export function secretOf(page: AgentResponse): string {
  const shown = /<code id="totp-secret">([^<]*)<\/code>/.exec(page.body)?.[1];
  if (!shown) throw new Error(`no TOTP secret on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return decodeEntities(shown).replace(/\s+/g, '');
}

/** The recovery codes of the page that shows them once. */
export function recoveryCodesOf(page: AgentResponse): string[] {
  const list = /<ol class="recovery-codes" id="recovery-codes">([\s\S]*?)<\/ol>/.exec(page.body)?.[1];
  if (!list) throw new Error(`no recovery codes on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return [...list.matchAll(/<code>([^<]*)<\/code>/g)].map((match) => decodeEntities(match[1]!));
}

/** The href of the link whose target ends with `suffix`. */
export function linkEndingWith(page: AgentResponse, suffix: string): string {
  const href = [...page.body.matchAll(/href="([^"]*)"/g)].map((match) => decodeEntities(match[1]!)).find((candidate) => candidate.endsWith(suffix));
  if (!href) throw new Error(`no link ending in ${suffix} on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return href;
}

/**
 * Posts the page's form whose action ends with `suffix` (and, where several share it, whose hidden
 * `method` is `method`), with its hidden fields (CSRF token) and `fields`; follows Kontor's redirects.
 */
export async function submitForm(
  agent: BrowserAgent,
  page: AgentResponse,
  suffix: string,
  fields: Record<string, string> = {},
  method?: string,
): Promise<AgentResponse> {
  const form = parseForms(page.body).find((candidate) => candidate.action.endsWith(suffix) && (!method || candidate.fields.method === method));
  if (!form) throw new Error(`no form ending in ${suffix}${method ? ` (${method})` : ''} on the page (${page.status}):\n${page.body.slice(0, 3000)}`);
  return agent.follow(await agent.post(form.action, { ...form.fields, ...fields }), atPortal);
}

/** Past the consent page if it comes (the first visit of this portal): the portal's callback URL. */
export async function callbackOf(agent: BrowserAgent, response: AgentResponse): Promise<URL> {
  const current = response.status === 200 && response.body.includes('/consent"') ? await submitConsent(agent, response) : response;
  if (!current.location || !atPortal(new URL(current.location, current.url).href))
    throw new Error(`expected the redirect to the portal, got ${current.status}: ${current.body.slice(0, 2000)}`);
  return new URL(current.location, current.url);
}

/** Redeems the code at the token endpoint; the ID token's claims as openid-client checked them. */
export async function idTokenOf(config: oidc.Configuration, request: AuthorizationRequest, callback: URL): Promise<oidc.IDToken> {
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  return tokens.claims()!;
}
