import type * as oidc from 'openid-client';
import { configFile } from './helpers/config-file.ts';

const rateLimitsFile = (rateLimits: Record<string, unknown>) => configFile({ rateLimits });
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  REDIRECT_URI,
} from './helpers/relying-party.ts';
import { newRegistrant, registerThroughInteraction } from './helpers/registration.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { Account } from '../src/accounts/account.entity.ts';

const atRedirectUri = (location: string) => location.startsWith(REDIRECT_URI);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rows<T>(kontor: TestKontor, query: string, params: unknown[] = []): Promise<T[]> {
  return kontor.container.db.orm.em.fork().execute<T[]>(query, params, 'all');
}

/** The login page of a fresh authorization request in this browser. */
async function loginPage(agent: BrowserAgent, config: oidc.Configuration, extra: Record<string, string> = {}): Promise<AgentResponse> {
  const page = await open(agent, (await authorizationRequest(config, extra)).url);
  if (page.status !== 200 || !page.body.includes('/login"')) throw new Error(`expected the login page, got ${page.status}: ${page.body.slice(0, 500)}`);
  return page;
}

/** Submits the login form on `page`; the response itself (401/429 pages are rendered, success redirects). */
async function attempt(agent: BrowserAgent, page: AgentResponse, username: string, password: string): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/login');
  const response = await agent.post(form.action, { ...form.fields, username, password });
  return { ...response, url: new URL(form.action, agent.origin).href };
}

/** A successful login: the redirect that continues the authorization, ending at consent or the portal. */
async function expectLoggedIn(agent: BrowserAgent, response: AgentResponse): Promise<void> {
  expect(response.status).toBe(303);
  const next = await agent.follow(response, atRedirectUri);
  const arrived =
    (next.location && atRedirectUri(new URL(next.location, next.url).href) && new URL(next.location).searchParams.has('code')) ||
    (next.status === 200 && next.body.includes('/consent"'));
  expect(arrived).toBe(true);
}

/** A page with what differs per browser and interaction (uid, CSRF token) and the given words replaced. */
function normalised(body: string, replacements: Record<string, string>): string {
  let text = body.replace(/name="csrf_token" value="[^"]*"/g, 'name="csrf_token" value="CSRF"');
  const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(body)?.[1];
  if (uid) text = text.replaceAll(uid, 'UID');
  for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
  return text;
}

describe('login attempts per IP address, on two instances sharing one database', () => {
  const settings = rateLimitsFile({ loginPerIp: { limit: 3, windowSeconds: 600 } });
  let kontor: TestKontor;
  let second: TestKontor;
  let config: oidc.Configuration;
  let secondConfig: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: settings });
    second = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: settings, DATABASE_URL: kontor.config.database.url! });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
    secondConfig = await discover(second, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await second?.stop();
    await kontor?.stop();
  });
  beforeEach(async () => {
    await kontor.container.db.orm.em.fork().execute('delete from rate_limit_counter', [], 'run');
  });

  it('refuses the attempt after the limit with 429, Retry-After and the "too many requests" page', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    for (let i = 0; i < 3; i += 1) {
      page = await attempt(agent, page, user.email, 'Falsches-Passwort-1');
      expect(page.status).toBe(401);
    }
    // Even the right password is not checked now.
    const refused = await attempt(agent, page, user.email, user.password);
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(600);
    expect(refused.body).toContain('<h1>Zu viele Anfragen</h1>');
    expect(refused.body).toContain('Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anfragen. Bitte versuchen Sie es in 10 Minuten erneut.');
    expect(refused.location).toBeNull();
  });

  it('counts attempts at both instances together (the counter lives in PostgreSQL)', async () => {
    const user = await createUser(kontor);
    const one = new BrowserAgent(kontor.url);
    const two = new BrowserAgent(second.url);
    let pageOne = await loginPage(one, config);
    let pageTwo = await loginPage(two, secondConfig);
    pageOne = await attempt(one, pageOne, user.email, 'Falsches-Passwort-1');
    expect(pageOne.status).toBe(401);
    pageTwo = await attempt(two, pageTwo, user.email, 'Falsches-Passwort-1');
    expect(pageTwo.status).toBe(401);
    pageOne = await attempt(one, pageOne, user.email, 'Falsches-Passwort-1');
    expect(pageOne.status).toBe(401);

    const refusedTwo = await attempt(two, pageTwo, user.email, user.password);
    expect(refusedTwo.status).toBe(429);
    expect(refusedTwo.headers.get('retry-after')).toMatch(/^\d+$/);
    const refusedOne = await attempt(one, pageOne, user.email, user.password);
    expect(refusedOne.status).toBe(429);
  });
});

describe('progressive delay after failed logins', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      KONTOR_CONFIG_FILE: rateLimitsFile({
        loginPerIp: { limit: 1000, windowSeconds: 600 },
        loginFailuresBeforeDelay: 3,
        loginDelayBaseSeconds: 2,
        loginDelayMaxSeconds: 4,
      }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  const throttleRow = async (name: string) =>
    (
      await rows<{ failures: number; blocked: boolean | null; seconds_left: string | number | null }>(
        kontor,
        'select failures, blocked_until is not null as blocked, extract(epoch from blocked_until - now()) as seconds_left from login_throttle where key = ?',
        [kontor.container.loginThrottle.subjectFor(name, undefined)],
      )
    )[0];
  const endWait = (name: string) =>
    rows(kontor, "update login_throttle set blocked_until = now() - interval '1 second' where key = ? returning key", [
      kontor.container.loginThrottle.subjectFor(name, undefined),
    ]);

  /** Three wrong passwords, then the right one (or a wrong one for an unknown name): the statuses and pages. */
  async function failThreeTimesThenTry(name: string, lastPassword: string): Promise<AgentResponse[]> {
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    const responses: AgentResponse[] = [];
    for (let i = 0; i < 3; i += 1) {
      page = await attempt(agent, page, name, 'Falsches-Passwort-1');
      responses.push(page);
    }
    responses.push(await attempt(agent, page, name, lastPassword));
    return responses;
  }

  function expectThrottlePage(response: AgentResponse): number {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // E-mail mode names the address; the wait is said as a duration and as a clock time.
    expect(response.body).toContain('Zu viele fehlgeschlagene Anmeldeversuche für diese E-Mail-Adresse.');
    expect(response.body).toMatch(new RegExp(`Zu Ihrem Schutz können Sie es erst in ${retryAfter} Sekunden? erneut versuchen, ab \\d{2}:\\d{2} Uhr\\.`));
    return retryAfter;
  }

  it('refuses the fourth attempt after three wrong passwords, even with the right password, naming the wait', async () => {
    const user = await createUser(kontor);
    const responses = await failThreeTimesThenTry(user.email, user.password);
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 429]);
    expectThrottlePage(responses[3]!);
    expect(responses[3]!.location).toBeNull();
    expect(await throttleRow(user.email)).toMatchObject({ failures: 3, blocked: true });
  });

  it('treats an unknown login name exactly like a known one (same statuses, same pages)', async () => {
    const user = await createUser(kontor);
    const unknown = `niemand.${Date.now()}@example.org`;
    const known = await failThreeTimesThenTry(user.email, 'Falsches-Passwort-1');
    const stranger = await failThreeTimesThenTry(unknown, 'Falsches-Passwort-1');
    expect(stranger.map((response) => response.status)).toEqual(known.map((response) => response.status));
    expect(known.map((response) => response.status)).toEqual([401, 401, 401, 429]);
    const knownWait = expectThrottlePage(known[3]!);
    const strangerWait = expectThrottlePage(stranger[3]!);
    for (let i = 0; i < 4; i += 1) {
      // The wait is counted in whole seconds from each name's own third failure; the words are the same.
      const sameWait = (body: string, wait: number) =>
        body.replace(new RegExp(`erst in ${wait} Sekunden?`), 'erst in N Sekunden').replace(/ab \d{2}:\d{2} Uhr/, 'ab HH:MM Uhr');
      expect(normalised(sameWait(stranger[i]!.body, strangerWait), { [unknown]: 'NAME' })).toBe(
        normalised(sameWait(known[i]!.body, knownWait), { [user.email]: 'NAME' }),
      );
    }
    expect(await throttleRow(unknown)).toMatchObject({ failures: 3, blocked: true });
  });

  it('lets the right password in once the wait has passed, and clears the counter', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    for (let i = 0; i < 3; i += 1) page = await attempt(agent, page, user.email, 'Falsches-Passwort-1');
    page = await attempt(agent, page, user.email, user.password);
    expect(page.status).toBe(429);

    expect(await endWait(user.email)).toHaveLength(1);
    await expectLoggedIn(agent, await attempt(agent, page, user.email, user.password));
    expect(await throttleRow(user.email)).toBeUndefined();

    // Counting starts again from zero: one new failure is a plain failure, no delay.
    const other = new BrowserAgent(kontor.url);
    const failed = await attempt(other, await loginPage(other, config), user.email, 'Falsches-Passwort-1');
    expect(failed.status).toBe(401);
    expect(await throttleRow(user.email)).toMatchObject({ failures: 1, blocked: false });
  });

  it('lets the right password in after really waiting the delay out', async () => {
    const user = await createUser(kontor);
    const responses = await failThreeTimesThenTry(user.email, user.password);
    const wait = expectThrottlePage(responses[3]!);
    await sleep(wait * 1000 + 200);
    const agent = new BrowserAgent(kontor.url);
    await expectLoggedIn(agent, await attempt(agent, await loginPage(agent, config), user.email, user.password));
  });

  it('never delays longer than loginDelayMaxSeconds, however many failures', async () => {
    const name = `geduldig.${Date.now()}@example.org`;
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    for (let failures = 1; failures <= 6; failures += 1) {
      await endWait(name);
      page = await attempt(agent, page, name, 'Falsches-Passwort-1');
      expect(page.status).toBe(401);
      const row = await throttleRow(name);
      expect(row!.failures).toBe(failures);
      if (failures < 3) {
        expect(row!.blocked).toBe(false);
        continue;
      }
      const left = Number(row!.seconds_left);
      // 2 s, then 4 s, then capped at 4 s.
      expect(left).toBeLessThanOrEqual(4);
      expect(left).toBeGreaterThan(failures === 3 ? 1 : 3);
    }
    const refused = await attempt(agent, page, name, 'Falsches-Passwort-1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(4);
  });

  it('keeps counting and capping the delay after more than a thousand failures of one name', async () => {
    const name = `sehr.geduldig.${Date.now()}@example.org`;
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    for (let i = 0; i < 3; i += 1) page = await attempt(agent, page, name, 'Falsches-Passwort-1');
    // A patient attacker: one guess per delay, day after day (the row is purged only a day after the last
    // failure), reaches a thousand failures in under two weeks at the default 15-minute ceiling.
    await rows(kontor, "update login_throttle set failures = 1100, blocked_until = now() - interval '1 second' where key = ? returning key", [
      kontor.container.loginThrottle.subjectFor(name, undefined),
    ]);
    const next = await attempt(agent, page, name, 'Falsches-Passwort-1');
    expect(next.status).toBe(401);
    const row = await throttleRow(name);
    expect(row!.failures).toBe(1101);
    expect(Number(row!.seconds_left)).toBeLessThanOrEqual(4);
    expect(Number(row!.seconds_left)).toBeGreaterThan(3);
    // …and the name stays throttled.
    expect((await attempt(agent, page, name, 'Falsches-Passwort-1')).status).toBe(429);
  });

  it('does not hold back a browser that logged in under the name before (device proof)', async () => {
    const user = await createUser(kontor);
    const owner = new BrowserAgent(kontor.url);
    await loginAndConsent(owner, await authorizationRequest(config), user);
    expect(owner.cookieNames()).toContain('kontor.device');

    const attacker = new BrowserAgent(kontor.url);
    let page = await loginPage(attacker, config);
    for (let i = 0; i < 3; i += 1) {
      page = await attempt(attacker, page, user.email, 'Falsches-Passwort-1');
      expect(page.status).toBe(401);
    }
    expect((await attempt(attacker, page, user.email, user.password)).status).toBe(429);
    // Any other browser without the proof is held back too.
    const stranger = new BrowserAgent(kontor.url);
    expect((await attempt(stranger, await loginPage(stranger, config), user.email, user.password)).status).toBe(429);

    const ownerPage = await loginPage(owner, config, { prompt: 'login' });
    await expectLoggedIn(owner, await attempt(owner, ownerPage, user.email, user.password));
  });

  it('stores neither the IP address nor the login name in clear, only HMAC keys', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    let page = await loginPage(agent, config);
    for (let i = 0; i < 3; i += 1) page = await attempt(agent, page, user.email, 'Falsches-Passwort-1');

    const counters = await rows<Record<string, unknown>>(kontor, 'select * from rate_limit_counter');
    const throttles = await rows<Record<string, unknown>>(kontor, 'select * from login_throttle');
    expect(counters.map((row) => row.key)).toContain(kontor.container.rateLimiter.keyFor('login-ip', '127.0.0.1'));
    expect(throttles.map((row) => row.key)).toContain(kontor.container.loginThrottle.subjectFor(user.email, undefined));
    for (const row of [...counters, ...throttles]) expect(row.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify([counters, throttles]);
    for (const clear of ['127.0.0.1', '::ffff:', user.email, user.email.toLowerCase(), user.email.split('@')[0]!, 'login-ip']) {
      expect(stored).not.toContain(clear);
    }
  });
});

describe('limits on registration and on forms that send mail', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: rateLimitsFile({
        registrationPerIp: { limit: 2, windowSeconds: 3600 },
        resendPerAccount: { limit: 1, windowSeconds: 3600 },
        resetPerAccount: { limit: 1, windowSeconds: 3600 },
      }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const outboxCount = async (recipient: string) => (await rows(kontor, 'select id from mail_outbox where recipient = ?', [recipient])).length;

  /** Sends the form at `path` (its only form) with these fields twice; returns both pages. */
  async function submitTwice(path: string, fields: Record<string, string>): Promise<[AgentResponse, AgentResponse]> {
    const agent = new BrowserAgent(kontor.url);
    const submit = async () => {
      const form = formEndingWith((await agent.get(path)).body, path);
      return agent.post(form.action, { ...form.fields, ...fields });
    };
    const first = await submit();
    const second = await submit();
    return [first, second];
  }

  it('refuses the third registration from one IP address with 429', async () => {
    const statuses: number[] = [];
    const people = [newRegistrant(), newRegistrant(), newRegistrant()];
    let last: AgentResponse | undefined;
    for (const person of people) {
      last = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.body).toContain('<h1>Zu viele Anfragen</h1>');
    const em = kontor.container.db.orm.em.fork();
    expect(await em.count(Account, { emailNormalized: people[2]!.email.toLowerCase() })).toBe(0);
    expect(await outboxCount(people[2]!.email)).toBe(0);
  });

  it('answers a second password-reset request for the same account with the same page but sends no second mail', async () => {
    const user = await createUser(kontor);
    const [first, second] = await submitTwice('/password/forgot', { identifier: user.email });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body).toContain('<h1>');
    expect(normalised(second.body, {})).toBe(normalised(first.body, {}));

    const [mail] = await smtp.waitFor(user.email);
    expect(mail!.subject).toBe('Passwort zurücksetzen');
    await kontor.container.mailDispatcher.dispatchNow();
    await sleep(300);
    expect(smtp.to(user.email)).toHaveLength(1);
    expect(await outboxCount(user.email)).toBe(1);
  });

  it('answers a second resend request for the same address with the same page but sends no second mail', async () => {
    const person = newRegistrant();
    const draft = {
      salutation: null,
      givenName: person.givenName,
      familyName: person.familyName,
      email: person.email,
      username: null,
      passwordHash: await kontor.container.passwords.hash(person.password),
      profile: {},
    };
    const consents = new Set(kontor.config.registration.consents.map((consent) => consent.id));
    await kontor.container.registration.register(draft, consents, { ip: '127.0.0.1', locale: 'de' });
    await smtp.waitFor(person.email, 1);

    const [first, second] = await submitTwice('/register/resend', { email: person.email });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body).toContain(person.email);
    expect(normalised(second.body, {})).toBe(normalised(first.body, {}));

    const mails = await smtp.waitFor(person.email, 2);
    expect(mails.map((mail) => mail.subject)).toEqual(['Bitte bestätigen Sie Ihre E-Mail-Adresse', 'Bitte bestätigen Sie Ihre E-Mail-Adresse']);
    await kontor.container.mailDispatcher.dispatchNow();
    await sleep(300);
    expect(smtp.to(person.email)).toHaveLength(2);
    expect(await outboxCount(person.email)).toBe(2);
  });
});
