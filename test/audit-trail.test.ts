import * as oidc from 'openid-client';
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
  submitLogin,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import type { AuditType } from '../src/audit/index.ts';

describe('audit trail of logout and consent', () => {
  let kontor: TestKontor;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  const eventsOf = (type: AuditType, accountId: string) =>
    kontor.container.db.orm.em.fork().find(AuditEvent, { type, accountId }, { orderBy: { createdAt: 'asc' } });

  /** The logout event is written right after the provider's response (an event listener): wait briefly. */
  async function eventually(type: AuditType, accountId: string): Promise<AuditEvent[]> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const events = await eventsOf(type, accountId);
      if (events.length) return events;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [];
  }

  async function consentPage(agent: BrowserAgent, config: oidc.Configuration) {
    const page = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), user.email, user.password);
    expect(page.body).toContain('/consent"');
    return page;
  }

  it('records a logout at a portal as session.ended, with the portal and no token', async () => {
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const tokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(agent, request, user), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(await eventsOf('session.ended', user.accountId)).toHaveLength(0);

    // With this session's ID token as hint, the logout needs no question (provider-pages.ts).
    const done = await open(agent, oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI }));
    expect(done.location?.startsWith(POST_LOGOUT_URI)).toBe(true);

    const [ended] = await eventually('session.ended', user.accountId);
    expect(ended).toMatchObject({ clientId: client.clientId, details: { reason: 'logout', everywhere: true } });
    expect(ended!.ip).toEqual(expect.any(String));
    expect(JSON.stringify(ended)).not.toContain(tokens.id_token!);
  });

  it('records a consent given, naming the scopes and claims but no values', async () => {
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const agent = new BrowserAgent(kontor.url);
    const page = await consentPage(agent, config);
    const consent = formEndingWith(page.body, '/consent');
    const done = await agent.follow(await agent.post(consent.action, consent.fields), (location) => location.startsWith(REDIRECT_URI));
    expect(new URL(done.location!).searchParams.get('code')).toBeTruthy();

    const events = (await eventsOf('consent.granted', user.accountId)).filter((event) => event.clientId === client.clientId);
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({ scopes: expect.arrayContaining(['openid', 'profile', 'email']), claims: expect.any(Array), rejected: [] });
    expect(JSON.stringify(events[0]!.details)).not.toContain(user.email);
  });

  it('records a consent declined; the portal receives access_denied', async () => {
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const agent = new BrowserAgent(kontor.url);
    const page = await consentPage(agent, config);
    const abort = formEndingWith(page.body, '/abort');
    const done = await agent.follow(await agent.post(abort.action, abort.fields), (location) => location.startsWith(REDIRECT_URI));
    expect(new URL(done.location!).searchParams.get('error')).toBe('access_denied');

    const events = (await eventsOf('consent.declined', user.accountId)).filter((event) => event.clientId === client.clientId);
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({ scopes: expect.arrayContaining(['openid', 'profile', 'email']), claims: expect.any(Array) });
    expect(await eventsOf('consent.granted', user.accountId).then((granted) => granted.filter((event) => event.clientId === client.clientId))).toHaveLength(0);
  });
});
