/**
 * The pages a person meets when a login cannot go on: each case has its own message and a way back, an
 * expired registration keeps what was typed, and the consent page says who is logged in (issue 14, items
 * 3 and 4). Through HTTP with a cookie-keeping agent, against PostgreSQL.
 */
import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
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
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { newRegistrant, openAccountStep, submitAccountStep } from './helpers/registration.ts';

let kontor: TestKontor;
let config: oidc.Configuration;
let user: TestUser;
const PORTAL = 'https://portal.musterstadt.example/';

/** The page's text as read: tags dropped, entities decoded, white space collapsed. */
const textOf = (page: AgentResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const heading = (page: AgentResponse) => decodeEntities(/<h1>([\s\S]*?)<\/h1>/.exec(page.body)?.[1] ?? '');

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  const client = await registerClient(kontor, { name: 'Bürgerportal Musterstadt', clientUri: PORTAL });
  // policy_uri and contacts as a client registered with them has (the CLI does not take them yet).
  await kontor.container.db.orm.em
    .fork()
    .execute(
      `update oidc_client set metadata = metadata || '{"policy_uri": "https://portal.musterstadt.example/datenschutz", "contacts": ["servicedesk@musterstadt.example"]}'::jsonb where client_id = ?`,
      [client.clientId],
    );
  config = await discover(kontor, client.clientId, client.clientSecret);
  user = await createUser(kontor);
});
afterAll(() => kontor?.stop());

describe('dead ends get their own message and a way back', () => {
  it('says "already logged in" with the way back to the portal when the back button returns to a completed login', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const loginPage = await open(agent, request.url);
    const consent = await submitLogin(agent, loginPage, user.email, user.password);
    const done = await agent.follow(
      await agent.post(formEndingWith(consent.body, '/consent').action, formEndingWith(consent.body, '/consent').fields),
      (location) => location.startsWith(REDIRECT_URI),
    );
    expect(done.location?.startsWith(REDIRECT_URI)).toBe(true);
    // The browser's back button returns to the login page of the completed login.
    const back = await agent.get(loginPage.url);
    expect(heading(back)).toBe('Sie sind bereits angemeldet');
    expect(back.body).toContain(`href="${PORTAL}"`);
    expect(textOf(back)).toContain('Zurück zu „Bürgerportal Musterstadt“');
  });

  it('says that cookies are required when the interaction exists but its cookie did not come back', async () => {
    const agent = new BrowserAgent(kontor.url);
    const loginPage = await open(agent, (await authorizationRequest(config)).url);
    agent.dropCookie('_interaction');
    const page = await agent.get(loginPage.url);
    expect(page.status).toBe(400);
    expect(heading(page)).toBe('Bitte lassen Sie Cookies zu');
    expect(textOf(page)).toContain('müssen Sie in Ihrem Browser Cookies zulassen');
    expect(page.body).toContain(`href="${PORTAL}"`);
  });

  it('tells an expired login from a mangled link, both leading to the start page when no portal is known', async () => {
    const agent = new BrowserAgent(kontor.url);
    const expired = await agent.get('/interaction/AAAAAAAAAAAAAAAAAAAAA');
    expect(heading(expired)).toBe('Das hat leider nicht geklappt');
    expect(textOf(expired)).toContain('Ihre Anmeldung ist abgelaufen');
    expect(expired.body).toMatch(/<a class="button primary" href="\/">Zur Startseite<\/a>/);
    const mangled = await agent.get('/interaction/abc');
    expect(mangled.status).toBe(404);
    expect(heading(mangled)).toBe('Dieser Link ist unbekannt');
    expect(mangled.body).toContain('href="/"');
  });

  it('states the registration time limit and extends the interaction on each step', async () => {
    const agent = new BrowserAgent(kontor.url);
    const accountStep = await openAccountStep(agent, await authorizationRequest(config));
    expect(textOf(accountStep)).toContain('Für jeden Schritt haben Sie 60 Minuten Zeit');
    const em = kontor.container.db.orm.em.fork();
    await em.execute(`update oidc_payload set expires_at = now() + interval '5 minutes' where kind = 'Interaction'`);
    await agent.get(accountStep.url);
    const [row] = await em.execute<Array<{ minutes: number }>>(
      `select extract(epoch from max(expires_at) - now()) / 60 as minutes from oidc_payload where kind = 'Interaction'`,
    );
    expect(Number(row!.minutes)).toBeGreaterThan(55);
  });

  it('keeps what was typed (not the password) when the registration expired, and offers it to the next one', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ givenName: 'Hannelore', familyName: 'Kramer-Özdemir' });
    const review = await submitAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), person);
    expect(review.url).toMatch(/\/register\/review$/);
    // The person leaves the page open for longer than the interaction lives.
    await kontor.container.db.orm.em.fork().execute(`delete from oidc_payload where kind = 'Interaction'`);
    const form = formEndingWith(review.body, '/register/review');
    const expired = await agent.post(form.action, form.fields);
    expect(heading(expired)).toBe('Ihre Registrierung ist abgelaufen');
    expect(textOf(expired)).toContain('Ihre Angaben außer dem Passwort haben wir in diesem Browser aufbewahrt');
    expect(expired.body).toContain(`href="${PORTAL}"`);

    // Back at the portal, a new login: the registration form is filled in again, the password is not.
    const again = await openAccountStep(agent, await authorizationRequest(config));
    expect(again.body).toContain('value="Hannelore"');
    expect(decodeEntities(again.body)).toContain('value="Kramer-Özdemir"');
    expect(again.body).toContain(`value="${person.email}"`);
    expect(again.body).not.toMatch(/type="password"[^>]*value="[^"]+"/);
  });
});

describe('consent page', () => {
  it('names the person, the portal with its address, contacts and privacy statement, with the seed 003 heading', async () => {
    const agent = new BrowserAgent(kontor.url);
    const consent = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), user.email, user.password);
    expect(heading(consent)).toBe('Zustimmung zur Weitergabe Ihrer Daten an „Bürgerportal Musterstadt“');
    const text = textOf(consent);
    expect(text).toContain('Angemeldet als Erika Mustermann');
    expect(text).toContain('portal.musterstadt.example');
    expect(text).toContain('servicedesk@musterstadt.example');
    expect(consent.body).toContain('href="https://portal.musterstadt.example/datenschutz"');
  });

  it('"Nicht Sie?" ends this login and shows the login form again for the same authorization request', async () => {
    const agent = new BrowserAgent(kontor.url);
    const other = await createUser(kontor);
    const request = await authorizationRequest(config);
    const consent = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
    const form = formEndingWith(consent.body, '/switch-account');
    const login = await agent.follow(await agent.post(form.action, form.fields));
    expect(login.body).toContain('name="password"');
    // The other person logs in and the portal gets its code for the original request (same state).
    let next = await submitLogin(agent, login, other.email, other.password);
    next = await agent.follow(await agent.post(formEndingWith(next.body, '/consent').action, formEndingWith(next.body, '/consent').fields), (location) =>
      location.startsWith(REDIRECT_URI),
    );
    const callback = new URL(next.location!);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect((await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).email).toBe(other.email);
  });

  it('declining right after the login leaves no session behind; a session from before stays', async () => {
    const agent = new BrowserAgent(kontor.url);
    const consent = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), user.email, user.password);
    const decline = formEndingWith(consent.body, '/abort');
    const denied = await agent.follow(await agent.post(decline.action, decline.fields), (location) => location.startsWith(REDIRECT_URI));
    expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');
    // The next person at this computer is asked to log in.
    expect((await open(agent, (await authorizationRequest(config)).url)).body).toContain('name="password"');

    // Logged in before (at another portal): declining here ends nothing.
    // Remembered consent: the session from before serves this portal again without a question (issue 16).
    const second = await registerClient(kontor, { name: 'Zweitportal', clientId: 'second-portal', consent: 'remembered' });
    const secondConfig = await discover(kontor, second.clientId, second.clientSecret);
    await loginAndConsent(agent, await authorizationRequest(secondConfig), user);
    const askAgain = await open(agent, (await authorizationRequest(config)).url);
    const declineAgain = formEndingWith(askAgain.body, '/abort');
    await agent.follow(await agent.post(declineAgain.action, declineAgain.fields), (location) => location.startsWith(REDIRECT_URI));
    const stillIn = await open(agent, (await authorizationRequest(secondConfig)).url);
    expect(stillIn.location?.startsWith(REDIRECT_URI)).toBe(true);
  });
});
