import type * as oidc from 'openid-client';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, registerClient } from './helpers/relying-party.ts';
import { accountFields, fieldError, newRegistrant, openAccountStep, postAccountStep } from './helpers/registration.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { PasswordHasher } from '../src/credentials/index.ts';

// argon2id costs ~19 MiB and ~25 ms of a thread-pool thread per call: nobody may make Kontor pay for it
// without limit. These tests count the calls on the real hasher (a hook on the class that calls through).

describe('limits in front of password hashing', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  const originalHash = PasswordHasher.prototype.hash;
  let hashCalls = 0;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      KONTOR_USERNAME_MODE: 'username',
      KONTOR_CONFIG_FILE: configFile({ rateLimits: { passwordHashPerIp: { limit: 2, windowSeconds: 900 } } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
    PasswordHasher.prototype.hash = function countedHash(this: PasswordHasher, password: string) {
      hashCalls += 1;
      return originalHash.call(this, password);
    };
  });
  afterAll(async () => {
    PasswordHasher.prototype.hash = originalHash;
    await kontor?.stop();
  });
  beforeEach(async () => {
    await kontor.container.db.orm.em.fork().execute('delete from rate_limit_counter', [], 'run');
    hashCalls = 0;
  });

  const accountStep = async (agent: BrowserAgent) => openAccountStep(agent, await authorizationRequest(config));

  async function postReset(agent: BrowserAgent, token: string): Promise<AgentResponse> {
    const csrf = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot').fields.csrf_token!;
    return agent.post('/password/reset', { csrf_token: csrf, token, password: 'Neues-Passwort-7', passwordConfirmation: 'Neues-Passwort-7' });
  }

  it('answers a reset with an unknown, used or expired link without hashing the new password', async () => {
    const agent = new BrowserAgent(kontor.url);
    const unknown = await postReset(agent, 'A'.repeat(43));
    expect(unknown.status).toBe(410);
    expect(unknown.body).toContain('Dieser Link ist nicht mehr gültig');
    expect(hashCalls).toBe(0);

    // Real links, from the outbox (this instance has no SMTP): one expired, then a fresh one good (one hash), then used.
    const user = await createUser(kontor);
    const requestLink = async () => {
      const form = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
      expect((await agent.post(form.action, { ...form.fields, identifier: user.email })).status).toBe(200);
      const [mail] = await kontor.container.outbox.recent(1);
      return /\/password\/reset\?token=([A-Za-z0-9_-]{43})/.exec(mail!.text)![1]!;
    };
    const sql = (query: string) => kontor.container.db.orm.em.fork().execute(query, [], 'run');
    const expired = await requestLink();
    kontor.clock.advance(kontor.config.registration.resetMinutes * 60 + 60);
    hashCalls = 0;
    expect((await postReset(agent, expired)).status).toBe(410);
    expect(hashCalls).toBe(0);
    // (The per-IP window of this instance is 2: start it afresh.)
    await sql('delete from rate_limit_counter');
    const token = await requestLink();
    expect((await postReset(agent, token)).status).toBe(200);
    expect(hashCalls).toBe(1);
    await sql('delete from rate_limit_counter');
    expect((await postReset(agent, token)).status).toBe(410);
    expect(hashCalls).toBe(1);
  });

  it('refuses the registration step over the per-IP window with 429 before hashing', async () => {
    const agent = new BrowserAgent(kontor.url);
    const statuses: number[] = [];
    let last: AgentResponse | undefined;
    for (let i = 0; i < 3; i += 1) {
      const person = newRegistrant({ username: `person${i}${Date.now()}` });
      last = await postAccountStep(agent, await accountStep(agent), accountFields(person));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([303, 303, 429]);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.body).toContain('<h1>Zu viele Anfragen</h1>');
    expect(hashCalls).toBe(2);
  });

  it('counts password resets in the same per-IP window as registration, before hashing', async () => {
    const agent = new BrowserAgent(kontor.url);
    await postAccountStep(agent, await accountStep(agent), accountFields(newRegistrant({ username: `reset${Date.now()}` })));
    expect((await postReset(agent, 'B'.repeat(43))).status).toBe(410);
    const refused = await postReset(agent, 'C'.repeat(43));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(hashCalls).toBe(1);
  });

  it('tells "username taken" only within the per-IP window (no unlimited username probing)', async () => {
    const owner = newRegistrant({ username: `vergeben${Date.now()}` });
    const draft = {
      salutation: null,
      givenName: 'Erika',
      familyName: 'Mustermann',
      email: owner.email,
      username: owner.username!,
      passwordHash: await kontor.container.passwords.hash(owner.password),
      profile: {},
    };
    const { accountId } = await kontor.container.registration.register(draft, new Set(['privacy']), { ip: '127.0.0.1', locale: 'de' });
    await kontor.container.db.orm.em.fork().execute("update account set status = 'active' where id = ?", [accountId], 'run');
    hashCalls = 0;

    const agent = new BrowserAgent(kontor.url);
    const answers: AgentResponse[] = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await postAccountStep(agent, await accountStep(agent), accountFields(newRegistrant({ username: owner.username }))));
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 429]);
    expect(fieldError(answers[0]!, 'username')).toBe('Dieser Benutzername ist bereits vergeben. Wählen Sie einen anderen.');
    expect(answers[2]!.body).not.toContain('bereits vergeben');
    expect(hashCalls).toBe(0);
  });
});

describe('the hashing cap under a burst', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      KONTOR_CONFIG_FILE: configFile({
        password: { maxConcurrentHashes: 1, maxQueuedHashes: 0 },
        rateLimits: { passwordHashPerIp: { limit: 1000, windowSeconds: 900 } },
      }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('answers 503 with Retry-After and a page in German instead of queueing without end', async () => {
    const agents = Array.from({ length: 12 }, () => new BrowserAgent(kontor.url));
    const pages = await Promise.all(agents.map(async (agent) => ({ agent, page: await openAccountStep(agent, await authorizationRequest(config)) })));
    const answers = await Promise.all(pages.map(({ agent, page }) => postAccountStep(agent, page, accountFields(newRegistrant()))));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toContain(303);
    expect(statuses.filter((status) => status !== 303).every((status) => status === 503)).toBe(true);
    const busy = answers.find((answer) => answer.status === 503);
    expect(busy).toBeDefined();
    expect(busy!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(busy!.body).toContain('Das Servicekonto ist gerade stark ausgelastet.');
  });
});
