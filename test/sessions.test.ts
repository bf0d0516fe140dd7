import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  submitConsent,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { sessionTtl } from '../src/oidc/trust-policy.ts';
import { sessionLimitsOf } from '../src/oidc/session-trust.ts';

interface SessionRow {
  id: string;
  seconds_left: string | number;
}

async function sessionRows(kontor: TestKontor, accountId: string): Promise<SessionRow[]> {
  return kontor.container.db.orm.em.fork().execute<SessionRow[]>(
    `select id, extract(epoch from expires_at - now()) as seconds_left from oidc_payload
     where kind = 'Session' and payload->>'accountId' = ? and (expires_at is null or expires_at > now())`,
    [accountId],
    'all',
  );
}

async function sql(kontor: TestKontor, query: string, params: unknown[]): Promise<void> {
  await kontor.container.db.orm.em.fork().execute(query, params, 'run');
}

const atCallback = (location: string | null) => Boolean(location?.startsWith(REDIRECT_URI) && new URL(location).searchParams.has('code'));

/** Logs in (or continues the session) at a client and redeems the code; returns the ID token's claims. */
async function signInAt(agent: BrowserAgent, config: oidc.Configuration, user: TestUser): Promise<{ idToken: string; sid: string; sub: string }> {
  const request = await authorizationRequest(config);
  let next = await open(agent, request.url);
  if (next.status === 200 && next.body.includes('/login"')) {
    return redeem(config, request, await loginAndConsentFrom(agent, next, user));
  }
  if (next.status === 200 && next.body.includes('/consent"')) next = await submitConsent(agent, next);
  if (!atCallback(next.location)) throw new Error(`expected the callback, got ${next.status} ${next.location ?? ''}`);
  return redeem(config, request, new URL(next.location!));
}

async function loginAndConsentFrom(agent: BrowserAgent, loginPage: { body: string }, user: TestUser): Promise<URL> {
  const form = formEndingWith(loginPage.body, '/login');
  let next = await agent.follow(await agent.post(form.action, { ...form.fields, username: user.email, password: user.password }), (l) =>
    l.startsWith(REDIRECT_URI),
  );
  if (next.status === 200 && next.body.includes('/consent"')) next = await submitConsent(agent, next);
  if (!atCallback(next.location)) throw new Error(`expected the callback, got ${next.status} ${next.location ?? ''}`);
  return new URL(next.location!);
}

async function redeem(config: oidc.Configuration, request: Awaited<ReturnType<typeof authorizationRequest>>, callback: URL) {
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  const claims = tokens.claims()!;
  return { idToken: tokens.id_token!, sid: String(claims.sid), sub: claims.sub };
}

describe('session lifetime (idle timeout within the absolute limit of each level)', () => {
  const limits = sessionLimitsOf({
    maxHours: 12,
    idleMinutes: 20,
    substanziell: { maxMinutes: 120, idleMinutes: 30 },
    hoch: { maxMinutes: 30, idleMinutes: 5 },
  });
  const now = 1_800_000_000;
  const at = (seconds: number) => ({ now: () => new Date(seconds * 1000) });
  const password = (loginAt: number) => ({ kontor: { steps: [{ method: 'password', amr: ['pwd'], level: 'niedrig', at: loginAt }], lastActiveAt: loginAt } });

  it('gives the idle time while the absolute limit is far away', () => {
    expect(sessionTtl(at(now), limits, {})).toBe(1200);
    expect(sessionTtl(at(now), limits, password(now))).toBe(1200);
    expect(sessionTtl(at(now), limits, password(now - 3600))).toBe(1200);
    expect(sessionTtl(at(now), limits, password(now - (12 * 3600 - 1200)))).toBe(1200);
  });

  it('never gives more than the time left until the login + 12 hours', () => {
    expect(sessionTtl(at(now), limits, password(now - (12 * 3600 - 300)))).toBe(300);
    expect(sessionTtl(at(now), limits, password(now - (12 * 3600 - 1)))).toBe(1);
    for (let age = 0; age < 12 * 3600; age += 97) {
      expect(sessionTtl(at(now), limits, password(now - age))).toBe(Math.min(1200, 12 * 3600 - age));
    }
  });

  it('gives the smallest ttl the provider accepts (1 s) once the absolute limit has passed', () => {
    expect(sessionTtl(at(now), limits, password(now - 12 * 3600))).toBe(1);
    expect(sessionTtl(at(now), limits, password(now - 13 * 3600))).toBe(1);
  });

  it('keeps a substanziell session for its own idle time (30 min) as long as that level holds', () => {
    const mfa = { method: 'totp', amr: ['pwd', 'otp', 'mfa'], level: 'substanziell', at: now };
    const session = { kontor: { steps: [...password(now).kontor.steps, mfa], lastActiveAt: now } };
    expect(sessionTtl(at(now), limits, session)).toBe(1800);
    expect(sessionTtl(at(now + 2 * 3600 - 60), limits, session)).toBe(1200);
  });
});

describe('login sessions', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  let backchannelConfig: oidc.Configuration;
  let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;
  let backchannelClientId: string;

  beforeAll(async () => {
    receiver = await backchannelReceiver();
    kontor = await startTestKontor('postgres', { KONTOR_SESSION_IDLE_MINUTES: '20' });
    // Remembered consent: a second authorization is served from the session without a question (issue 16).
    const client = await registerClient(kontor, { consent: 'remembered' });
    config = await discover(kontor, client.clientId, client.clientSecret);
    const backchannel = await registerClient(kontor, { name: 'Back-Channel-Portal', backchannelLogoutUri: receiver.url, consent: 'remembered' });
    backchannelClientId = backchannel.clientId;
    backchannelConfig = await discover(kontor, backchannel.clientId, backchannel.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    receiver?.server.close();
  });
  beforeEach(() => {
    receiver.tokens.length = 0;
  });

  async function verifiedLogoutToken(token: string) {
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${kontor.url}/jwks`)), { issuer: kontor.url, audience: backchannelClientId });
    return payload;
  }

  it('ends the session 20 idle minutes after its last use and shows the login form after that', async () => {
    expect(kontor.config.session.idleMinutes).toBe(20);
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const [session] = await sessionRows(kontor, user.accountId);
    expect(Number(session!.seconds_left)).toBeGreaterThan(19 * 60);
    expect(Number(session!.seconds_left)).toBeLessThan(21 * 60);

    // Used again after a while (here: 15 minutes taken off its life), the session gets 20 minutes again.
    await sql(kontor, "update oidc_payload set expires_at = now() + interval '5 minutes' where kind = 'Session' and id = ?", [session!.id]);
    const sso = await open(agent, (await authorizationRequest(config)).url);
    expect(atCallback(sso.location)).toBe(true);
    const [used] = await sessionRows(kontor, user.accountId);
    expect(used!.id).toBe(session!.id);
    expect(Number(used!.seconds_left)).toBeGreaterThan(19 * 60);
    expect(Number(used!.seconds_left)).toBeLessThan(21 * 60);

    // Idle past its end: the next authorization request asks for the password again.
    await sql(kontor, "update oidc_payload set expires_at = now() - interval '1 second' where kind = 'Session' and id = ?", [session!.id]);
    const again = await open(agent, (await authorizationRequest(config)).url);
    expect(again.status).toBe(200);
    expect(again.body).toContain('/login"');
    expect(again.body).toContain('name="password"');
  });

  it('does not extend a session past its login + maxHours, however recently it was used', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const [session] = await sessionRows(kontor, user.accountId);
    // The login was (almost) 12 hours ago: one minute of the absolute lifetime is left.
    const loginTs = Math.floor(Date.now() / 1000) - kontor.config.session.maxHours * 3600 + 60;
    await sql(kontor, "update oidc_payload set payload = jsonb_set(payload, '{kontor,steps,0,at}', to_jsonb(?::bigint)) where kind = 'Session' and id = ?", [
      loginTs,
      session!.id,
    ]);

    const sso = await open(agent, (await authorizationRequest(config)).url);
    expect(atCallback(sso.location)).toBe(true);
    const [used] = await sessionRows(kontor, user.accountId);
    expect(Number(used!.seconds_left)).toBeLessThanOrEqual(61);
    expect(Number(used!.seconds_left)).toBeGreaterThan(50);
  });

  it('logs out everywhere: RP-initiated logout at one portal notifies the back-channel portal and deletes the session', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const atBackchannelPortal = await signInAt(agent, backchannelConfig, user);
    const atOther = await signInAt(agent, config, user);
    // One browser, one session, holding both portals.
    const sessions = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ clients: string[] }>>(
        "select array(select jsonb_object_keys(payload->'authorizations')) as clients from oidc_payload where kind = 'Session' and payload->>'accountId' = ?",
        [user.accountId],
        'all',
      );
    expect(sessions).toHaveLength(1);
    expect([...sessions[0]!.clients].sort()).toEqual([backchannelClientId, config.clientMetadata().client_id].sort());

    // The hint names this session: logged out everywhere without a question.
    const done = await open(agent, oidc.buildEndSessionUrl(config, { id_token_hint: atOther.idToken, post_logout_redirect_uri: POST_LOGOUT_URI }));
    expect(done.location).toMatch(new RegExp(`^${POST_LOGOUT_URI}`));

    expect(receiver.tokens).toHaveLength(1);
    const payload = await verifiedLogoutToken(receiver.tokens[0]!);
    expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
    expect(payload.sid).toBe(atBackchannelPortal.sid);
    expect(payload.sub).toBe(atBackchannelPortal.sub);
    expect(await sessionRows(kontor, user.accountId)).toHaveLength(0);
    const any = await kontor.container.db.orm.em
      .fork()
      .execute("select id from oidc_payload where kind = 'Session' and payload->>'accountId' = ?", [user.accountId], 'all');
    expect(any).toHaveLength(0);

    // The browser has to log in again.
    const next = await open(agent, (await authorizationRequest(config)).url);
    expect(next.body).toContain('name="password"');
  });

  it('ending everything of an account ends its sessions in every browser and notifies the back-channel portal', async () => {
    const user = await createUser(kontor);
    const bystander = await createUser(kontor);
    const laptop = new BrowserAgent(kontor.url);
    const phone = new BrowserAgent(kontor.url);
    const other = new BrowserAgent(kontor.url);
    const onLaptop = await signInAt(laptop, backchannelConfig, user);
    const onPhone = await signInAt(phone, backchannelConfig, user);
    await signInAt(other, backchannelConfig, bystander);
    expect(onLaptop.sid).not.toBe(onPhone.sid);
    expect(await sessionRows(kontor, user.accountId)).toHaveLength(2);

    expect(await kontor.container.signOut.endEverything(user.accountId, 'password_reset')).toBe(2);

    expect(receiver.tokens).toHaveLength(2);
    const payloads = await Promise.all(receiver.tokens.map((token) => verifiedLogoutToken(token)));
    for (const payload of payloads) {
      expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
      expect(payload.sub).toBe(onLaptop.sub);
    }
    expect(payloads.map((payload) => payload.sid).sort()).toEqual([onLaptop.sid, onPhone.sid].sort());
    expect(await sessionRows(kontor, user.accountId)).toHaveLength(0);
    expect(await sessionRows(kontor, bystander.accountId)).toHaveLength(1);

    for (const browser of [laptop, phone]) {
      const next = await open(browser, (await authorizationRequest(backchannelConfig)).url);
      expect(next.body).toContain('name="password"');
    }
    expect(atCallback((await open(other, (await authorizationRequest(backchannelConfig)).url)).location)).toBe(true);
  });
});
