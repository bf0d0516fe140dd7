import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, open, registerClient } from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { openAccountStep, summaryErrors } from './helpers/registration.ts';

// The login, forgot and registration pages speak of what the deployment uses as login name (seed 001:
// "Ihre E-Mail-Adresse ist zugleich Ihr Benutzername"; seed 003: "Groß- und Kleinschreibung beachten"),
// and the throttle says when to come back, as a clock time, and warns before the attempt that starts it.

const labelOf = (page: AgentResponse, id: string) => decodeEntities(new RegExp(`<label for="${id}">([^<]*)`).exec(page.body)?.[1] ?? '').trim();
const warningOf = (page: AgentResponse) => decodeEntities(/<div class="alert" role="status" id="login-warning">([^<]*)<\/div>/.exec(page.body)?.[1] ?? '');

/** "HH:MM" of `date` in a time zone, as the pages write it. */
const clock = (date: Date, timeZone: string) => new Intl.DateTimeFormat('de', { hour: '2-digit', minute: '2-digit', timeZone }).format(date);

async function startWith(settings: Record<string, unknown>, env: Record<string, string> = {}): Promise<{ kontor: TestKontor; config: oidc.Configuration }> {
  const kontor = await startTestKontor('postgres', { ...env, KONTOR_CONFIG_FILE: configFile(settings) });
  const client = await registerClient(kontor);
  return { kontor, config: await discover(kontor, client.clientId, client.clientSecret) };
}

async function attempt(agent: BrowserAgent, page: AgentResponse, username: string, password: string): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/login');
  return agent.post(form.action, { ...form.fields, username, password });
}

describe('e-mail mode (the default): the address is the login name', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  beforeAll(
    async () =>
      ({ kontor, config } = await startWith({
        ...ROOMY_RATE_LIMITS,
        rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, loginFailuresBeforeDelay: 3, loginDelayBaseSeconds: 120, loginDelayMaxSeconds: 900 },
      })),
  );
  afterAll(() => kontor?.stop());

  it('login and forgot forms ask for the e-mail address, not "oder Benutzername"; registration says the address is the username', async () => {
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, (await authorizationRequest(config)).url);
    expect(labelOf(login, 'username')).toBe('E-Mail-Adresse');
    expect(decodeEntities(login.body)).not.toContain('Benutzername');
    const forgot = await agent.get('/password/forgot');
    expect(labelOf(forgot, 'identifier')).toBe('E-Mail-Adresse');
    const register = await openAccountStep(agent, await authorizationRequest(config));
    expect(decodeEntities(register.body)).toContain('Sie ist zugleich Ihr Benutzername für die Anmeldung.');
  });

  it('warns before the failed attempt that starts a delay, the same for a known and an unknown address; then names the wait and the clock time', async () => {
    const user = await createUser(kontor);
    const stranger = `niemand.${Date.now()}@example.org`;
    const warnings: Record<string, string[]> = {};
    for (const name of [user.email, stranger]) {
      const agent = new BrowserAgent(kontor.url);
      let page = await open(agent, (await authorizationRequest(config)).url);
      warnings[name] = [];
      for (let i = 0; i < 2; i += 1) {
        page = await attempt(agent, page, name, 'Falsches-Passwort-1');
        expect(page.status).toBe(401);
        warnings[name]!.push(warningOf(page));
      }
      // The third failure starts the delay: the page says until when.
      const before = Date.now();
      page = await attempt(agent, page, name, 'Falsches-Passwort-1');
      expect(page.status).toBe(401);
      const [, throttled] = summaryErrors(page);
      const earliest = clock(new Date(Math.ceil((before + 119_000) / 60_000) * 60_000), 'Europe/Berlin');
      const latest = clock(new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000), 'Europe/Berlin');
      expect(throttled).toMatch(
        /^Zu viele fehlgeschlagene Anmeldeversuche für diese E-Mail-Adresse\. Zu Ihrem Schutz können Sie es erst in 2 Minuten erneut versuchen, ab \d\d:\d\d Uhr\./,
      );
      expect([earliest, latest]).toContain(/ab (\d\d:\d\d) Uhr/.exec(throttled!)![1]);
    }
    expect(warnings[user.email]).toEqual([
      '',
      'Sie haben noch einen Versuch. Schlägt auch er fehl, können Sie es erst nach 2 Minuten erneut versuchen. Wenn Sie Ihr Passwort nicht mehr wissen, setzen Sie es über „Passwort vergessen?“ zurück.',
    ]);
    expect(warnings[stranger]).toEqual(warnings[user.email]);
  });
});

describe("username mode (Servicekonto.NRW, meine ihk), in the deployment's time zone", () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  beforeAll(
    async () =>
      ({ kontor, config } = await startWith(
        { timeZone: 'UTC', rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, loginFailuresBeforeDelay: 1, loginDelayBaseSeconds: 1 } },
        { KONTOR_USERNAME_MODE: 'username' },
      )),
  );
  afterAll(() => kontor?.stop());

  it('the login says "Groß- und Kleinschreibung beachten" and the throttle speaks of the username, at a UTC clock time', async () => {
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, (await authorizationRequest(config)).url);
    expect(labelOf(login, 'username')).toBe('Benutzername');
    expect(decodeEntities(login.body)).toContain('<p class="hint" id="username-hint">Groß- und Kleinschreibung beachten.</p>');
    expect(login.body).toMatch(/<input id="username"[^>]* aria-describedby="username-hint"/);
    const failed = await attempt(agent, login, 'Erika.Muster', 'Falsches-Passwort-1');
    const throttled = await attempt(agent, failed, 'Erika.Muster', 'Falsches-Passwort-1');
    expect(throttled.status).toBe(429);
    const expected = clock(new Date(Math.ceil((Date.now() + Number(throttled.headers.get('retry-after')) * 1000) / 60_000) * 60_000), 'UTC');
    expect(summaryErrors(throttled)[0]).toMatch(
      new RegExp(
        `^Zu viele fehlgeschlagene Anmeldeversuche für diesen Benutzernamen\\. Zu Ihrem Schutz können Sie es erst in 1 Sekunde erneut versuchen, ab ${expected} Uhr\\.`,
      ),
    );
    const forgot = await agent.get('/password/forgot');
    expect(labelOf(forgot, 'identifier')).toBe('Benutzername oder E-Mail-Adresse');
  });
});
