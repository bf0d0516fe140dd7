import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { parseForms, type AgentResponse, type BrowserAgent } from './browser-agent.ts';
import type { TestKontor } from './kontor.ts';
import { REDIRECT_URI, submitConsent, type AuthorizationRequest, type TestUser } from './relying-party.ts';

const atPortal = (location: string) => location.startsWith(REDIRECT_URI);

/** The TOTP code an authenticator app shows at Kontor's (test) time: RFC 6238 defaults, as apps compute it. */
export function totpAt(kontor: TestKontor, secret: string, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(kontor.clock.now().getTime() / 1000) + offsetSeconds, algorithm: 'sha1', digits: 6, period: 30 });
}

/** Moves Kontor's clock into the next TOTP step (5 s in), so a code computed now is fresh and not about to expire. */
export function nextTotpStep(kontor: TestKontor): void {
  const now = Math.floor(kontor.clock.now().getTime() / 1000);
  kontor.clock.advance(30 - (now % 30) + 5);
}

/**
 * Enrols a TOTP app for `user` through the service, as the account area or the enrolment step would, and
 * moves on to the next time step (the enrolment code's step is spent). Returns the secret the app holds
 * and the recovery codes handed out with it.
 */
export async function enrolTotp(kontor: TestKontor, user: TestUser): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secondFactors } = kontor.container;
  const enrolment = await secondFactors.startTotpEnrolment(user.accountId, user.email);
  nextTotpStep(kontor);
  const context = { ip: '203.0.113.1', clientId: null, locale: 'de' as const };
  const outcome = await secondFactors.confirmTotpEnrolment(user.accountId, await totpAt(kontor, enrolment.secret), context);
  if (outcome.kind !== 'enrolled') throw new Error(`TOTP enrolment: ${outcome.kind}`);
  nextTotpStep(kontor);
  return { secret: enrolment.secret, recoveryCodes: outcome.recoveryCodes ?? [] };
}

/** Posts the code form of one second-factor method on the page (the form with that hidden `method`). */
export async function submitCode(agent: BrowserAgent, page: AgentResponse, method: string, code: string): Promise<AgentResponse> {
  const form = parseForms(page.body).find((candidate) => candidate.action.endsWith('/second-factor') && candidate.fields.method === method);
  if (!form) throw new Error(`no ${method} form on page (${page.status}):\n${page.body.slice(0, 3000)}`);
  return agent.follow(await agent.post(form.action, { ...form.fields, code }), atPortal);
}

/**
 * Posts the page's (CSRF-carrying) form whose action ends with `suffix`, e.g. '/refuse' (and, where several
 * share it, whose hidden `method` is `method`), with its hidden fields and `fields`; follows Kontor's redirects.
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

/** Past the consent page if it comes (first visit of this portal); the portal's callback URL. */
export async function callbackOf(agent: BrowserAgent, response: AgentResponse): Promise<URL> {
  let current = response;
  if (current.status === 200 && current.body.includes('/consent"')) current = await submitConsent(agent, current);
  if (!current.location || !atPortal(new URL(current.location, current.url).href))
    throw new Error(`expected the redirect to the portal, got ${current.status}: ${current.body.slice(0, 2000)}`);
  return new URL(current.location, current.url);
}

/** Redeems the code at the token endpoint and returns the ID token's claims (checked by openid-client). */
export async function idTokenClaims(config: oidc.Configuration, request: AuthorizationRequest, callback: URL): Promise<oidc.IDToken> {
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  return claims;
}

/** The visible text of a page (tags dropped, entities decoded, whitespace collapsed), for wording checks. */
export function textOf(page: AgentResponse): string {
  return page.body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
