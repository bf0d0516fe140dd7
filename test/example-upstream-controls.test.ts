import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { startUpstreamOp, UPSTREAM_ACCOUNT, type RunningUpstream } from './helpers/upstream-op.ts';
import { BrowserAgent, exchange, insecure, locationOf, logIn, POST_LOGOUT_URI, REDIRECT_URI } from './helpers/upstream-flow.ts';
import { formEndingWith } from './helpers/browser-agent.ts';

// The example upstream's test behaviour (POST /__control, GET /__control/logout) and its logouts, each
// against the upstream's own process, the way Kontor's federation tests will make it misbehave.
const SECRET = 'kontor-at-testland-secret-0123456789';

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('example upstream: test controls and logout', () => {
  let upstream: RunningUpstream;
  let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    receiver = await backchannelReceiver();
    upstream = await startUpstreamOp({
      clients: [
        {
          client_id: 'kontor',
          client_name: 'Kontor Servicekonto',
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: [POST_LOGOUT_URI],
          backchannel_logout_uri: receiver.url,
        },
      ],
    });
    config = await oidc.discovery(new URL(upstream.issuer), 'kontor', undefined, oidc.ClientSecretBasic(SECRET), insecure);
  });

  afterEach(async () => {
    await upstream.control({});
    // Every test's sessions end here (their logout tokens are awaited by the control), so counts start at 0.
    await upstream.endSessionsOf(UPSTREAM_ACCOUNT.sub);
    receiver.tokens.length = 0;
  });

  afterAll(async () => {
    await upstream?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it.each([
    [{ nonce: 'x' }, 'nonce'],
    [{ iss: 'http://other' }, 'iss'],
    [{ aud: 'someone-else' }, 'aud'],
  ])('makes openid-client refuse an ID token re-signed with %j', async (overrides, claim) => {
    await upstream.control({ idTokenOverrides: overrides });
    const flow = await logIn(new BrowserAgent(upstream.url), config);
    await expect(exchange(config, flow)).rejects.toMatchObject({
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: expect.objectContaining({ cause: expect.objectContaining({ claim }) }),
    });
  });

  it('re-signs with the same key and kid: a changed acr passes the signature check and arrives', async () => {
    await upstream.control({ idTokenOverrides: { acr: 'http://eidas.europa.eu/LoA/low' } });
    const tokens = await exchange(config, await logIn(new BrowserAgent(upstream.url), config));
    expect(tokens.claims()!.acr).toBe('http://eidas.europa.eu/LoA/low');
    const jwks = createRemoteJWKSet(new URL(`${upstream.issuer}/jwks`));
    await expect(jwtVerify(tokens.id_token!, jwks, { issuer: upstream.issuer, audience: 'kontor' })).resolves.toBeDefined();
  });

  it('answers the token request with the status it was given, until {} restores it', async () => {
    await upstream.control({ tokenStatus: 503 });
    // openid-client takes a 5xx for no OAuth answer at all (RFC 6749 §5.2 errors are 400/401).
    await expect(exchange(config, await logIn(new BrowserAgent(upstream.url), config))).rejects.toMatchObject({
      code: 'OAUTH_RESPONSE_IS_NOT_CONFORM',
      cause: expect.objectContaining({ status: 503 }),
    });
    await upstream.control({ tokenStatus: 400 });
    await expect(exchange(config, await logIn(new BrowserAgent(upstream.url), config))).rejects.toMatchObject({ status: 400, error: 'invalid_grant' });
    await upstream.control({});
    const tokens = await exchange(config, await logIn(new BrowserAgent(upstream.url), config));
    expect(tokens.claims()!.sub).toBe(UPSTREAM_ACCOUNT.sub);
  });

  it('replaces its accounts: the new account logs in with its own acr, the old one no longer', async () => {
    const low = {
      ...UPSTREAM_ACCOUNT,
      username: 'bert.low',
      password: 'Upstream-Pass-2',
      sub: 'nord-0002',
      acr: 'http://eidas.europa.eu/LoA/low',
      amr: ['pwd'],
    };
    await upstream.control({ accounts: [low] });
    const tokens = await exchange(config, await logIn(new BrowserAgent(upstream.url), config, {}, low));
    expect(tokens.claims()).toMatchObject({ sub: 'nord-0002', acr: 'http://eidas.europa.eu/LoA/low', amr: ['pwd'] });
    await expect(logIn(new BrowserAgent(upstream.url), config)).rejects.toThrow(/expected the consent page, got 401/);
  });

  it('refuses an unknown control', async () => {
    await expect(upstream.control({ surprise: true } as never)).rejects.toThrow(/control refused: 400/);
  });

  it('ends an account’s sessions on request and sends the client a valid logout token (Back-Channel Logout 1.0 §2.4)', async () => {
    const agent = new BrowserAgent(upstream.url);
    const tokens = await exchange(config, await logIn(agent, config));
    const sid = tokens.claims()!.sid;
    expect(await upstream.endSessionsOf(UPSTREAM_ACCOUNT.sub)).toBe(1);
    await waitFor(() => receiver.tokens.length === 1, 'the logout token');
    const jwks = createRemoteJWKSet(new URL(`${upstream.issuer}/jwks`));
    const { payload } = await jwtVerify(receiver.tokens[0]!, jwks, { issuer: upstream.issuer, audience: 'kontor', typ: 'logout+jwt' });
    expect(payload).toMatchObject({ sub: UPSTREAM_ACCOUNT.sub, sid, events: { [BACKCHANNEL_EVENT]: {} } });
    expect(payload.nonce).toBeUndefined();
    expect(await upstream.endSessionsOf(UPSTREAM_ACCOUNT.sub)).toBe(0);
    // The session is gone: the same browser is asked to log in again.
    const again = await logIn(agent, config);
    expect(again.loginPage.body).toContain('name="password"');
  });

  it('logs out at the RP’s request and returns to the post-logout URI with state (RP-Initiated Logout 1.0 §3)', async () => {
    const agent = new BrowserAgent(upstream.url);
    const tokens = await exchange(config, await logIn(agent, config));
    const state = oidc.randomState();
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state });
    const page = await agent.get(url.href);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Möchten Sie sich abmelden?');
    expect(page.body).toContain('<h1>Servicekonto Testland</h1>');
    const confirm = formEndingWith(page.body, '/session/end/confirm');
    const back = locationOf(await agent.post(confirm.action, { ...confirm.fields, logout: 'yes' }));
    expect(back.origin + back.pathname).toBe(POST_LOGOUT_URI);
    expect(back.searchParams.get('state')).toBe(state);
    // The session's clients with a back-channel URI are told as well.
    await waitFor(() => receiver.tokens.length === 1, 'the logout token');
    expect(decodeJwt(receiver.tokens[0]!).sid).toBe(tokens.claims()!.sid);
    expect(await upstream.endSessionsOf(UPSTREAM_ACCOUNT.sub)).toBe(0);
  });

  it('runs in a process of its own with keys of its own', async () => {
    expect(upstream.pid).not.toBe(process.pid);
    const second = await startUpstreamOp({ clients: [{ client_id: 'other', client_secret: SECRET, redirect_uris: [REDIRECT_URI] }] });
    try {
      expect(second.pid).not.toBe(upstream.pid);
      expect(second.issuer).not.toBe(upstream.issuer);
      const kids = async (issuer: string) => ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> }).keys;
      const [mine, theirs] = await Promise.all([kids(upstream.issuer), kids(second.issuer)]);
      expect(mine.map((key) => key.kid)).toHaveLength(2);
      expect(mine.some((key) => key.d)).toBe(false);
      expect(theirs.map((key) => key.kid).filter((kid) => mine.some((key) => key.kid === kid))).toEqual([]);
    } finally {
      await second.stop();
    }
    await expect(fetch(`${second.issuer}/jwks`)).rejects.toThrow();
  });
});
