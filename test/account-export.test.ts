import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, registerClient, submitConsent } from './helpers/relying-party.ts';
import { openAccountArea } from './helpers/account-area.ts';
import { confirmLink, newRegistrant, registerThroughInteraction, type Registrant } from './helpers/registration.ts';
import { Account } from '../src/accounts/account.entity.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';

const CONFIRM_PREFIX = '/register/confirm?token=';

/** The parts of the document this test reads. */
interface ExportShape {
  schemaVersion: number;
  account: { createdAt: string } & Record<string, unknown>;
  attributes: unknown[];
  registrationConsents: unknown[];
  credentials: unknown[];
  rememberedGrants: unknown[];
  releases: Array<{ claims: Array<{ name: string }> } & Record<string, unknown>>;
  sessions: unknown[];
  auditEvents: Array<{ type: string }>;
}

interface Person {
  registrant: Registrant;
  accountId: string;
  agent: BrowserAgent;
}

describe('"my data": the account export (GDPR Art. 15/20)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let portal: oidc.Configuration;
  let portalName: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({
        ...ROOMY_RATE_LIMITS,
        rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, exportPerAccount: { limit: 3, windowSeconds: 3600 } },
      }),
    });
    portalName = 'Bürgerbüro Exportstadt';
    const client = await registerClient(kontor, { name: portalName, consent: 'remembered' });
    portal = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /**
   * A person who registered (consents recorded), confirmed the address, came back logged in at the portal
   * (a session and a remembered grant) and whose portal fetched userinfo (ledger rows).
   */
  async function person(givenName: string, familyName: string): Promise<Person> {
    const registrant = newRegistrant({ givenName, familyName, email: `${givenName.toLowerCase()}.${Date.now()}@example.org` });
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(portal);
    expect((await registerThroughInteraction(agent, request, registrant)).status).toBe(200);
    const link = SmtpSink.linkIn((await smtp.waitFor(registrant.email))[0]!, `${kontor.url}${CONFIRM_PREFIX}`);
    let page = await confirmLink(agent, link, (location) => location.startsWith('http://127.0.0.1:4999/'));
    if (page.status === 200 && page.body.includes('/consent')) page = await submitConsent(agent, page);
    const callback = new URL(page.location!, page.url);
    const tokens = await oidc.authorizationCodeGrant(portal, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub);
    const account = await kontor.container.db.orm.em.fork().findOneOrFail(Account, { emailNormalized: registrant.email.toLowerCase() });
    return { registrant, accountId: account.id, agent };
  }

  it("contains all of the person's own data and nothing of another account, and no secret", async () => {
    const anna = await person('Annegret', 'Alphaberg');
    const bruno = await person('Brunhold', 'Betazweig');

    const outcome = await kontor.container.dataExport.exportFor(anna.accountId, { ip: '127.0.0.1' });
    if (outcome.kind !== 'ok') throw new Error(`export refused: ${outcome.kind}`);
    // Read back as a portal of the person's choice would (Art. 20): the JSON text, parsed.
    const text = JSON.stringify(outcome.document);
    const data = JSON.parse(text) as ExportShape;
    expect(outcome.filename).toMatch(/^kontor-daten-\d{4}-\d{2}-\d{2}\.json$/);

    expect(data.schemaVersion).toBe(1);
    expect(data.account).toMatchObject({ id: anna.accountId, email: anna.registrant.email, givenName: 'Annegret', familyName: 'Alphaberg', status: 'active' });
    expect(new Date(data.account.createdAt).toISOString()).toBe(data.account.createdAt);
    expect(data.attributes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'given_name', value: 'Annegret', level: 'basisregistrierung', source: 'self_entered' }),
        expect.objectContaining({ name: 'email', value: anna.registrant.email, source: 'email_confirmed', verifiedAt: expect.any(String) }),
      ]),
    );
    expect(data.registrationConsents.length).toBeGreaterThan(0);
    expect(data.registrationConsents[0]).toEqual({ consent: expect.any(String), version: expect.any(String), granted: true, decidedAt: expect.any(String) });
    expect(data.credentials).toEqual([{ type: 'password', confirmed: true, createdAt: expect.any(String), lastUsedAt: null }]);
    expect(data.rememberedGrants).toEqual([
      expect.objectContaining({ portal: { clientId: expect.any(String), name: portalName }, scopes: expect.arrayContaining(['openid', 'email']) }),
    ]);
    expect(data.releases.length).toBeGreaterThan(0);
    expect(data.releases[0]).toMatchObject({ portal: { name: portalName }, use: expect.any(String), releasedAt: expect.any(String) });
    expect(data.releases.flatMap((row) => row.claims.map((claim) => claim.name))).toContain('email');
    expect(data.sessions).toEqual([expect.objectContaining({ level: 'niedrig', amr: ['pwd'], portals: [expect.objectContaining({ name: portalName })] })]);
    const types = data.auditEvents.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['account.registered', 'account.confirmed', 'consent.granted']));

    // Nothing of the other account: not its id, address, names, nor its events.
    for (const foreign of [bruno.accountId, bruno.registrant.email, 'Brunhold', 'Betazweig']) expect(text).not.toContain(foreign);
    // No secret: no password hash, no session or grant ids, no token material.
    const hashes = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ secret_hash: string }>>('select secret_hash from credential where account_id = ? and secret_hash is not null', [anna.accountId], 'all');
    expect(hashes.length).toBeGreaterThan(0);
    for (const { secret_hash } of hashes) expect(text).not.toContain(secret_hash);
    expect(text).not.toMatch(/\$argon2/);
    const payloadIds = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ id: string; uid: string | null; grant_id: string | null }>>(
        'select id, uid, grant_id from oidc_payload where account_id = ?',
        [anna.accountId],
        'all',
      );
    for (const row of payloadIds) for (const id of [row.id, row.uid, row.grant_id].filter(Boolean)) expect(text).not.toContain(id!);

    // The download itself is audited (after the document was assembled).
    const exported = await kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: anna.accountId, type: 'account.exported' });
    expect(exported).toHaveLength(1);
  });

  it('downloads from the account area with the session only (no fresh login): an attachment, no-store, JSON', async () => {
    const user = await createUser(kontor);
    const { agent, page } = await openAccountArea(kontor, user);
    expect(page.body).toContain('href="/account/export"');
    // Reading needs no fresh login: long after it, the page and the download still answer.
    kontor.clock.advance(6 * 60); // past account.reauthMinutes (5), before the area refreshes its login (10)
    const explained = await agent.get('/account/export');
    expect(explained.status).toBe(200);
    expect(explained.body).toContain('Meine Daten herunterladen');
    const file = await agent.post('/account/export', formEndingWith(explained.body, '/account/export').fields);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(file.headers.get('cache-control')).toBe('no-store');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="kontor-daten-\d{4}-\d{2}-\d{2}\.json"$/);
    const data = JSON.parse(file.body) as ExportShape;
    expect(data.account).toMatchObject({ id: user.accountId, email: user.email });
    // The account area's own login is one of the person's sessions, named as the area.
    expect(JSON.stringify(data.sessions)).toContain('kontor-account');
    // Without the area's session there is no file: the login instead.
    const stranger = new BrowserAgent(kontor.url);
    const csrf = formEndingWith((await stranger.get('/account/unlock/resend')).body, '/account/unlock/resend').fields.csrf_token!;
    const refused = await stranger.post('/account/export', { csrf_token: csrf });
    expect(refused.status).toBe(303);
    expect(refused.location).toContain('/account/login');
  });

  it('is rate-limited per account', async () => {
    const carla = await person('Carlotta', 'Gammafeld');
    for (let i = 0; i < 3; i += 1) expect((await kontor.container.dataExport.exportFor(carla.accountId, { ip: null })).kind).toBe('ok');
    const refused = await kontor.container.dataExport.exportFor(carla.accountId, { ip: null });
    expect(refused).toEqual({ kind: 'rate_limited', retryAfterSeconds: expect.any(Number) });
  });
});
