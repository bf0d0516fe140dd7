import * as oidc from 'openid-client';
import { BrowserAgent, formEndingWith, type AgentResponse } from './browser-agent.ts';
import { UPSTREAM_ACCOUNT } from './upstream-op.ts';

/**
 * A relying party's side of a login at an example upstream (test/helpers/upstream-op.ts), driven with
 * openid-client and the cookie-keeping agent. Nothing listens at the redirect URIs: the flow stops there.
 */
export const RP = 'http://127.0.0.1:4997/federation/testland';
export const REDIRECT_URI = `${RP}/callback`;
export const POST_LOGOUT_URI = `${RP}/logged-out`;
export const insecure = { execute: [oidc.allowInsecureRequests] };
const atRp = (location: string) => location.startsWith(RP);

export interface Flow {
  codeVerifier: string;
  state: string;
  nonce: string;
  loginPage: AgentResponse;
}

/** Opens an authorization request (code, PKCE S256, state, nonce); returns the upstream's login page. */
export async function begin(agent: BrowserAgent, config: oidc.Configuration, extra: Record<string, string> = {}): Promise<Flow> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email address',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { codeVerifier, state, nonce, loginPage: await agent.follow(await agent.get(url.href), atRp) };
}

/** Submits the page's form whose action ends with `suffix`; follows the upstream's redirects. */
export async function submit(agent: BrowserAgent, page: AgentResponse, suffix: string, fields: Record<string, string> = {}): Promise<AgentResponse> {
  const form = formEndingWith(page.body, suffix);
  return agent.follow(await agent.post(form.action, { ...form.fields, ...fields }), atRp);
}

/** Where the last response sends the browser (the relying party's callback, for instance). */
export const locationOf = (response: AgentResponse) => new URL(response.location ?? 'about:blank', response.url);

/** Login and consent as the person would; returns the callback URL with the request's values. */
export async function logIn(agent: BrowserAgent, config: oidc.Configuration, extra: Record<string, string> = {}, account = UPSTREAM_ACCOUNT) {
  const flow = await begin(agent, config, extra);
  const consentPage = await submit(agent, flow.loginPage, '/login', { username: account.username, password: account.password });
  if (consentPage.status !== 200) throw new Error(`expected the consent page, got ${consentPage.status}: ${consentPage.body.slice(0, 300)}`);
  const callback = locationOf(await submit(agent, consentPage, '/consent'));
  return { ...flow, consentPage, callback };
}

/** The code exchange with every check openid-client makes (state, nonce, PKCE, iss, ID token). */
export const exchange = (config: oidc.Configuration, flow: { callback: URL; codeVerifier: string; state: string; nonce: string }) =>
  oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.codeVerifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });

export { BrowserAgent };
