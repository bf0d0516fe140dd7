import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { formEndingWith, open, submitLogin, REDIRECT_URI, type AuthorizationRequest, type BrowserAgent, type TestUser } from './relying-party.ts';
import { decodeEntities, type AgentResponse } from './browser-agent.ts';

/** Opens the authorization request and logs in; returns the page that follows (the consent page, or the redirect). */
export async function loginToConsent(agent: BrowserAgent, request: AuthorizationRequest, user: TestUser): Promise<AgentResponse> {
  const loginPage = await open(agent, request.url);
  if (loginPage.status !== 200) throw new Error(`expected the login page, got ${loginPage.status} ${loginPage.location ?? ''}`);
  return submitLogin(agent, loginPage, user.email, user.password);
}

/** Posts the consent form as a browser would with `untick` unticked (every other box as the page shows it). */
export async function agree(agent: BrowserAgent, page: AgentResponse, untick: string[] = []): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/consent');
  const fields = Object.fromEntries(Object.entries(form.fields).filter(([name]) => !untick.map((claim) => `share_${claim}`).includes(name)));
  return agent.follow(await agent.post(form.action, fields), (location) => location.startsWith(REDIRECT_URI));
}

/** Posts the form whose action ends in `suffix` (the decline or back-to-portal button) and stops at the portal. */
export async function press(agent: BrowserAgent, page: AgentResponse, suffix: string): Promise<AgentResponse> {
  const form = formEndingWith(page.body, suffix);
  return agent.follow(await agent.post(form.action, form.fields), (location) => location.startsWith(REDIRECT_URI));
}

/** The portal's callback URL from a redirect response. */
export function callbackOf(response: AgentResponse): URL {
  if (!response.location?.startsWith(REDIRECT_URI))
    throw new Error(`expected a redirect to the portal, got ${response.status}: ${response.body.slice(0, 800)}`);
  return new URL(response.location);
}

/** Redeems the callback's code; returns the ID token's claims and the userinfo response. */
export async function redeem(config: oidc.Configuration, request: AuthorizationRequest, callback: URL) {
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  const idToken = decodeJwt(tokens.id_token!);
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub!);
  return { tokens, idToken, userinfo };
}

/** The page's text without tags, entities decoded (what a reader sees). */
export function textOf(page: AgentResponse): string {
  return decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}
