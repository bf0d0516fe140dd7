import * as oidc from 'openid-client';
import { BrowserAgent, formEndingWith, type AgentResponse } from './browser-agent.ts';
import type { TestKontor } from './kontor.ts';
import type { CreateClientInput } from '../../src/clients/index.ts';

export const REDIRECT_URI = 'http://127.0.0.1:4999/callback';
export const POST_LOGOUT_URI = 'http://127.0.0.1:4999/logged-out';

export interface TestUser {
  email: string;
  password: string;
  accountId: string;
}

let userCounter = 0;

/** Creates a verified account through the same service the CLI uses. */
export async function createUser(kontor: TestKontor, overrides: Partial<{ email: string; password: string }> = {}): Promise<TestUser> {
  userCounter += 1;
  const email = overrides.email ?? `citizen${userCounter}.${Date.now()}@example.org`;
  const password = overrides.password ?? 'Sicheres-Passwort-1';
  const { container } = kontor;
  const account = await container.accounts.createVerified({ email, password, givenName: 'Erika', familyName: 'Mustermann' }, (em, accountId, pw) =>
    container.passwords.setPassword(em, accountId, pw),
  );
  return { email, password, accountId: account.id };
}

/** Registers a client exactly as `kontor client create` does. */
export async function registerClient(kontor: TestKontor, input: Partial<CreateClientInput> = {}) {
  return kontor.container.clients.create(
    { name: 'Testportal', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI], ...input },
    kontor.container.validateClientMetadata,
  );
}

/** openid-client configuration for a client, via discovery (plain http is fine on loopback). */
export async function discover(kontor: TestKontor, clientId: string, clientSecret?: string, auth?: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(kontor.url), clientId, clientSecret, auth, { execute: [oidc.allowInsecureRequests] });
}

export interface AuthorizationRequest {
  url: URL;
  codeVerifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, codeVerifier, state, nonce };
}

const atRedirectUri = (location: string) => location.startsWith(REDIRECT_URI) || location.startsWith(POST_LOGOUT_URI);

/** Opens the authorization URL and follows Kontor's redirects until a page (or the RP's redirect). */
export async function open(agent: BrowserAgent, url: URL | string): Promise<AgentResponse> {
  return agent.follow(await agent.get(url.toString()), atRedirectUri);
}

/** Submits the login form on the current page; returns the next page or the redirect to the RP. */
export async function submitLogin(agent: BrowserAgent, page: AgentResponse, username: string, password: string): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/login');
  return agent.follow(await agent.post(form.action, { ...form.fields, username, password }), atRedirectUri);
}

export async function submitConsent(agent: BrowserAgent, page: AgentResponse): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/consent');
  return agent.follow(await agent.post(form.action, form.fields), atRedirectUri);
}

/** Login + consent as a person would; returns the callback URL the RP receives. */
export async function loginAndConsent(agent: BrowserAgent, request: AuthorizationRequest, user: TestUser): Promise<URL> {
  const loginPage = await open(agent, request.url);
  if (loginPage.status !== 200) throw new Error(`expected the login page, got ${loginPage.status} ${loginPage.location ?? ''}`);
  let next = await submitLogin(agent, loginPage, user.email, user.password);
  if (next.status === 200 && next.body.includes('/consent')) next = await submitConsent(agent, next);
  if (!next.location || !atRedirectUri(new URL(next.location, next.url).href))
    throw new Error(`expected a redirect to the RP, got ${next.status}: ${next.body.slice(0, 500)}`);
  return new URL(next.location, next.url);
}

export { BrowserAgent, formEndingWith };
