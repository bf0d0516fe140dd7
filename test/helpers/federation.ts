import { createServer } from 'node:net';
import type * as oidc from 'openid-client';
import { type BrowserAgent, formEndingWith, type AgentResponse } from './browser-agent.ts';
import { configFile } from './config-file.ts';
import { startTestKontor, type TestKontor } from './kontor.ts';
import { authorizationRequest, discover, registerClient, REDIRECT_URI } from './relying-party.ts';
import { startUpstreamOp, type RunningUpstream, type UpstreamBehaviour } from './upstream-op.ts';

export const UPSTREAM_ID = 'testland';
export const UPSTREAM_SECRET = 'kontor-at-testland-secret-0123456789';
export const EIDAS = {
  low: 'http://eidas.europa.eu/LoA/low',
  substantial: 'http://eidas.europa.eu/LoA/substantial',
  high: 'http://eidas.europa.eu/LoA/high',
} as const;

/** A free loopback port (Kontor's redirect URI must be registered upstream before Kontor starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FederationSetup {
  kontor: TestKontor;
  upstream: RunningUpstream;
  issuer: string;
  stop(): Promise<void>;
}

/**
 * An upstream OP in its own process and a Kontor that federates to it (`testland`, ceiling substanziell,
 * the eIDAS levels mapped), each with its own port and keys; `accounts` are the upstream's demo people.
 */
export async function startFederation(
  accounts: NonNullable<UpstreamBehaviour['accounts']>,
  /** Settings of the upstream's entry in Kontor's configuration that differ from the test default. */
  overrides: Record<string, unknown> = {},
): Promise<FederationSetup> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const base = `${issuer}/federation/${UPSTREAM_ID}`;
  const upstream = await startUpstreamOp({
    clients: [
      {
        client_id: 'kontor',
        client_secret: UPSTREAM_SECRET,
        redirect_uris: [`${base}/callback`],
        post_logout_redirect_uris: [`${base}/logged-out`],
        backchannel_logout_uri: `${base}/backchannel-logout`,
      },
    ],
    accounts,
    acrValues: Object.values(EIDAS),
  });
  const file = configFile({
    federation: {
      upstreams: [
        {
          id: UPSTREAM_ID,
          name: { de: 'Servicekonto Testland', en: 'Testland service account' },
          issuer: upstream.issuer,
          clientId: 'kontor',
          clientAuth: { method: 'client_secret_basic', secret: UPSTREAM_SECRET },
          scopes: ['openid', 'profile', 'email', 'address'],
          trust: { acr: { [EIDAS.low]: 'niedrig', [EIDAS.substantial]: 'substanziell', [EIDAS.high]: 'hoch' }, ceiling: 'substanziell' },
          ...overrides,
        },
      ],
    },
  });
  const kontor = await startTestKontor('postgres', { PORT: String(port), KONTOR_ISSUER: issuer, KONTOR_CONFIG_FILE: file }).catch(async (error: unknown) => {
    await upstream.stop();
    throw error;
  });
  return {
    kontor,
    upstream,
    issuer,
    async stop() {
      await kontor.stop();
      await upstream.stop();
    },
  };
}

const atPortal = (location: string) => location.startsWith(REDIRECT_URI);

/** Follows redirects across Kontor and the upstream (both loopback) until a page or the portal's redirect URI. */
export async function followAll(agent: BrowserAgent, response: AgentResponse): Promise<AgentResponse> {
  let current = response;
  for (let hops = 0; hops < 20 && current.location; hops += 1) {
    const next = new URL(current.location, current.url).href;
    if (atPortal(next)) return current;
    current = await agent.get(next);
  }
  return current;
}

export async function submitForm(agent: BrowserAgent, page: AgentResponse, suffix: string, fields: Record<string, string> = {}): Promise<AgentResponse> {
  const form = formEndingWith(page.body, suffix);
  return followAll(agent, await agent.post(new URL(form.action, page.url).href, { ...form.fields, ...fields }));
}

/** A portal of Kontor's: its client and openid-client configuration. */
export async function portal(kontor: TestKontor, input: Parameters<typeof registerClient>[1] = {}) {
  const client = await registerClient(kontor, input);
  return { clientId: client.clientId, config: await discover(kontor, client.clientId, client.clientSecret) };
}

/**
 * From the portal's authorization request to the upstream's login page: Kontor's login page, the chooser,
 * the choice of `testland`, the redirect upstream.
 */
export async function toUpstream(agent: BrowserAgent, config: oidc.Configuration, extra: Record<string, string> = {}) {
  const request = await authorizationRequest(config, extra);
  const loginPage = await followAll(agent, await agent.get(request.url.href));
  const chooserLink = /href="([^"]*\/federation)"/.exec(loginPage.body)?.[1];
  if (!chooserLink) throw new Error(`no "Mit anderem Servicekonto" on the login page: ${loginPage.status} ${loginPage.body.slice(0, 300)}`);
  const chooser = await agent.get(new URL(chooserLink, loginPage.url).href);
  const upstreamLogin = await submitForm(agent, chooser, '/federation', { upstream: UPSTREAM_ID });
  return { request, loginPage, chooser, upstreamLogin };
}

/** The upstream's login and consent as the person does them; returns Kontor's page after the callback. */
export async function atUpstream(agent: BrowserAgent, upstreamLogin: AgentResponse, account: { username: string; password: string }) {
  const consent = await submitForm(agent, upstreamLogin, '/login', { username: account.username, password: account.password });
  if (consent.status !== 200) throw new Error(`expected the upstream's consent page, got ${consent.status}: ${consent.body.slice(0, 300)}`);
  return submitForm(agent, consent, '/consent');
}
