import * as oidc from 'openid-client';
import type { TestKontor } from './kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  loginAndConsent,
  registerClient,
  type AuthorizationRequest,
  type TestUser,
} from './relying-party.ts';
import type { CreateClientInput } from '../../src/clients/index.ts';

export interface SignInOptions {
  /** An existing user; by default a new verified one (with `password` if given). */
  user?: TestUser;
  password?: string;
  /** An existing client; by default a new confidential one (`client` overrides its registration). */
  existing?: { clientId: string; clientSecret?: string };
  client?: Partial<CreateClientInput>;
  /** Extra authorization parameters, e.g. `{ scope: 'openid offline_access', prompt: 'consent' }`. */
  authorization?: Record<string, string>;
  /** The browser to log in with (keeps its session cookie); by default a new one. */
  agent?: BrowserAgent;
}

export interface SignedIn {
  user: TestUser;
  clientId: string;
  clientSecret?: string;
  config: oidc.Configuration;
  agent: BrowserAgent;
  request: AuthorizationRequest;
  /** The redirect the portal received (carries the code, already redeemed). */
  callback: URL;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
}

/**
 * One call for tests that are not about the login pages: a verified user, a client, a finished login
 * (login form, consent) and the token response, exactly as a portal gets it. Tests about the login pages
 * themselves go through relying-party.ts step by step.
 */
export async function signIn(kontor: TestKontor, options: SignInOptions = {}): Promise<SignedIn> {
  const user = options.user ?? (await createUser(kontor, options.password ? { password: options.password } : {}));
  const client = options.existing ?? (await registerClient(kontor, options.client));
  const config = await discover(kontor, client.clientId, client.clientSecret);
  const agent = options.agent ?? new BrowserAgent(kontor.url);
  const request = await authorizationRequest(config, options.authorization);
  const callback = await loginAndConsent(agent, request, user);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  return { user, clientId: client.clientId, clientSecret: client.clientSecret, config, agent, request, callback, tokens };
}
