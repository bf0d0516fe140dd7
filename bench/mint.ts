/**
 * Getting authorization codes the way a browser does: one login and consent through the server's own pages,
 * then, with the session cookies, more authorization requests that the server answers at once with a
 * redirect carrying a fresh code (same client, same scope: no interaction needed). Every code has its own
 * PKCE S256 pair and state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BrowserAgent, formEndingWith, parseForms, type AgentResponse } from '../test/helpers/browser-agent.ts';
import { SCOPE, type ServerInfo } from './shared.ts';

export interface Endpoints {
  authorization: string;
  token: string;
  userinfo: string;
  jwks: string;
}

export interface MintedCode {
  code: string;
  verifier: string;
}

export interface MintResult {
  codes: MintedCode[];
  seconds: number;
  failures: number;
  stoppedBy: 'count' | 'deadline';
}

/** Reads the endpoints from discovery and insists they live on the loopback issuer. */
export async function discover(info: ServerInfo): Promise<Endpoints> {
  const response = await fetch(`${info.issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery failed: HTTP ${response.status}`);
  const metadata = (await response.json()) as Record<string, unknown>;
  const endpoint = (name: string) => {
    const value = metadata[name];
    if (typeof value !== 'string' || !value.startsWith(`${info.issuer}/`)) throw new Error(`${name} missing or not on ${info.issuer}: ${String(value)}`);
    return value;
  };
  return {
    authorization: endpoint('authorization_endpoint'),
    token: endpoint('token_endpoint'),
    userinfo: endpoint('userinfo_endpoint'),
    jwks: endpoint('jwks_uri'),
  };
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationRequest(info: ServerInfo, endpoints: Endpoints): { url: string; verifier: string; state: string } {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(12).toString('base64url');
  const url = new URL(endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: info.clientId,
    response_type: 'code',
    redirect_uri: info.redirectUri,
    scope: SCOPE,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.href, verifier, state };
}

/** The code from a redirect to the client's redirect_uri, or an error naming what came instead. */
function codeFromRedirect(info: ServerInfo, response: AgentResponse, state: string): string {
  const location = response.location;
  if (!location?.startsWith(info.redirectUri)) {
    throw new Error(`expected a redirect to ${info.redirectUri}, got HTTP ${response.status} location=${location ?? '-'} body=${response.body.slice(0, 300)}`);
  }
  const params = new URL(location).searchParams;
  const code = params.get('code');
  if (!code || params.get('state') !== state) throw new Error(`redirect without code or with wrong state: ${location}`);
  return code;
}

/** Fills in and submits the interaction page the server showed (its login or consent form). */
async function submitInteractionPage(info: ServerInfo, agent: BrowserAgent, page: AgentResponse): Promise<AgentResponse> {
  if (info.kind === 'kontor') {
    if (parseForms(page.body).some((form) => form.action.endsWith('/login'))) {
      const form = formEndingWith(page.body, '/login');
      return agent.post(form.action, { ...form.fields, username: info.username, password: info.password });
    }
    const form = formEndingWith(page.body, '/consent');
    return agent.post(form.action, form.fields);
  }
  // oidc-provider's devInteractions: one form per page, a hidden `prompt` says which.
  const form = parseForms(page.body)[0];
  if (!form) throw new Error(`no form on the interaction page: ${page.body.slice(0, 300)}`);
  if (form.fields.prompt === 'login') return agent.post(form.action, { ...form.fields, login: info.username, password: info.password });
  return agent.post(form.action, form.fields);
}

/** Logs in and consents once; returns the agent holding the session and the code of that first round. */
export async function signIn(info: ServerInfo, endpoints: Endpoints): Promise<{ agent: BrowserAgent; first: MintedCode }> {
  const agent = new BrowserAgent(info.issuer);
  const request = authorizationRequest(info, endpoints);
  const atCallback = (location: string) => location.startsWith(info.redirectUri);
  let response = await agent.follow(await agent.get(request.url), atCallback);
  for (let step = 0; step < 4 && !(response.location && atCallback(response.location)); step += 1) {
    if (response.status !== 200) throw new Error(`interaction step ${step}: HTTP ${response.status} at ${response.url}: ${response.body.slice(0, 300)}`);
    response = await agent.follow(await submitInteractionPage(info, agent, response), atCallback);
  }
  return { agent, first: { code: codeFromRedirect(info, response, request.state), verifier: request.verifier } };
}

/**
 * Mints up to `count` codes with `concurrency` parallel requests on the signed-in session. Bounded by the
 * count, a deadline and a failure budget; reports which of them stopped it.
 */
export async function mintCodes(
  info: ServerInfo,
  endpoints: Endpoints,
  agent: BrowserAgent,
  options: { count: number; concurrency: number; maxSeconds: number; maxFailures?: number },
): Promise<MintResult> {
  const codes: MintedCode[] = [];
  const maxFailures = options.maxFailures ?? 20;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  let failures = 0;
  let inFlight = 0;
  let lastError: unknown;
  const worker = async () => {
    while (codes.length + inFlight < options.count && performance.now() < deadline && failures < maxFailures) {
      inFlight += 1;
      try {
        const request = authorizationRequest(info, endpoints);
        const response = await agent.get(request.url);
        codes.push({ code: codeFromRedirect(info, response, request.state), verifier: request.verifier });
      } catch (error) {
        failures += 1;
        lastError = error;
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (failures >= maxFailures) {
    throw new Error(`minting codes failed ${failures} times; last error: ${String(lastError)}`);
  }
  return { codes, seconds, failures, stoppedBy: codes.length >= options.count ? 'count' : 'deadline' };
}
