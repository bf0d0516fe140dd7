import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  loginAndConsent,
  open,
  registerClient,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';

/** Every row of oidc_payload as one text each: id, every indexed column and the stored payload. */
async function storedRows(kontor: TestKontor): Promise<string[]> {
  const rows = await kontor.container.db.orm.em
    .fork()
    .execute<Array<{ row: string }>>(`select concat_ws(' ', kind, id, grant_id, user_code, uid, payload::text) as row from oidc_payload`, [], 'all');
  return rows.map((row) => row.row);
}

function expectNowhere(rows: string[], secrets: Record<string, string | undefined>): void {
  for (const [name, secret] of Object.entries(secrets)) {
    expect(secret).toEqual(expect.any(String));
    const holders = rows.filter((row) => row.includes(secret!));
    expect({ [name]: holders }).toEqual({ [name]: [] });
  }
}

describe('oidc-provider artifacts at rest', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    // Remembered consent: these tests come back to the portal from the session without a consent page (issue 16).
    const client = await registerClient(kontor, { consent: 'remembered' });
    config = await discover(kontor, client.clientId, client.clientSecret);
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  it('stores no access token, refresh token, code, session id or interaction id that a database reader could use', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const loginPage = await open(agent, request.url);
    const interactionId = /\/interaction\/([^/"]+)\/login/.exec(loginPage.body)?.[1];
    const rowsDuringLogin = await storedRows(kontor);
    const callback = await loginAndConsent(agent, request, user);
    const code = callback.searchParams.get('code') ?? undefined;
    const [sessionId] = agent.cookieValues('_session');
    const rowsWithCode = await storedRows(kontor);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);

    expectNowhere(rowsDuringLogin, { interactionId });
    expectNowhere(rowsWithCode, { code, sessionId });
    const rows = await storedRows(kontor);
    expectNowhere(rows, {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      rotatedRefreshToken: refreshed.refresh_token,
      newAccessToken: refreshed.access_token,
      sessionId,
    });

    // And everything still works from the hashed rows: userinfo, introspection, the session.
    expect((await oidc.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub)).sub).toBe(tokens.claims()!.sub);
    expect(await oidc.tokenIntrospection(config, refreshed.refresh_token!)).toMatchObject({ active: true });
    const again = await open(agent, (await authorizationRequest(config, { scope: 'openid' })).url);
    expect(again.location?.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
  });

  it('stores a pushed request under a hash: the request_uri is nowhere in the table, and the flow works', async () => {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'pushed',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    const requestUri = url.searchParams.get('request_uri')!;
    const parId = requestUri.slice('urn:ietf:params:oauth:request_uri:'.length);
    expectNowhere(await storedRows(kontor), { parId });

    const agent = new BrowserAgent(kontor.url);
    const page = await open(agent, url);
    expect(page.status).toBe(200);
    expectNowhere(await storedRows(kontor), { parId });
    const callback = await loginAndConsent(agent, { url, codeVerifier, state: 'pushed', nonce: '' }, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: 'pushed' });
    expect(tokens.access_token).toEqual(expect.any(String));
  });
});
