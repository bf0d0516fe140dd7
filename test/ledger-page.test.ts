import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { authorizationRequest, BrowserAgent, createUser, discover, formEndingWith, open, registerClient } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';

interface LedgerRowOut {
  client_id: string;
  use: string;
  claims: Array<{ name: string; level: string }>;
  purpose: string | null;
}

async function ledgerRows(kontor: TestKontor, accountId: string): Promise<LedgerRowOut[]> {
  return kontor.container.db.orm.em
    .fork()
    .execute<LedgerRowOut[]>('select client_id, use, claims, purpose from release_ledger where account_id = ? order by released_at', [accountId], 'all');
}

/** The text of a page without markup, entities decoded enough for the assertions. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;|&#x27;|&#39;/g, '"')
    .replace(/\s+/g, ' ');
}

describe('release ledger and "Datenzugriff verwalten"', () => {
  let kontor: TestKontor;
  let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;

  beforeAll(async () => {
    receiver = await backchannelReceiver();
    kontor = await startTestKontor('postgres');
  });
  afterAll(async () => {
    await kontor?.stop();
    receiver?.server.close();
  });

  it('writes one row per release with names and levels only, and none when nothing was released', async () => {
    const user = await createUser(kontor);
    const releases = kontor.container.releases;
    await releases.record({ accountId: user.accountId, clientId: 'c1', use: 'userinfo', claims: [], at: new Date() });
    await releases.record({
      accountId: user.accountId,
      clientId: 'c1',
      use: 'id_token',
      // A composer never hands values over; a stray one must not reach the table either.
      claims: [{ name: 'given_name', level: 'basisregistrierung', value: 'Erika' } as never],
      at: new Date(),
      purpose: 'Antrag auf Wohngeld',
    });
    const rows = await ledgerRows(kontor, user.accountId);
    expect(rows).toEqual([{ client_id: 'c1', use: 'id_token', claims: [{ name: 'given_name', level: 'basisregistrierung' }], purpose: 'Antrag auf Wohngeld' }]);
    expect(JSON.stringify(rows)).not.toContain('Erika');
  });

  it('lists the releases by service, newest first, in German and English; without a login it starts the account login', async () => {
    const { user, clientId, agent } = await signIn(kontor, { client: { name: 'Wohngeldportal' } });
    const other = await registerClient(kontor, { name: 'Hundesteuer Musterstadt' });
    const releases = kontor.container.releases;
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    await releases.record({ accountId: user.accountId, clientId, use: 'id_token', claims: [{ name: 'family_name', level: 'basisregistrierung' }], at: at(30) });
    await releases.record({ accountId: user.accountId, clientId: other.clientId, use: 'userinfo', claims: [{ name: 'email', level: 'niedrig' }], at: at(20) });
    await releases.record({
      accountId: user.accountId,
      clientId,
      use: 'userinfo',
      claims: [{ name: 'given_name', level: 'basisregistrierung' }],
      at: at(10),
      purpose: 'Wohngeld beantragen',
    });

    // Logged in at the portal, the browser passes through the account area's login (/account/login, no prompt).
    const page = await agent.follow(await agent.get('/account/data-access'));
    expect(page.url).toBe(`${kontor.url}/account/data-access`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const text = textOf(page.body);
    expect(text).toContain('Datenzugriff verwalten');
    // Grouped: the service with the newest release first, its own releases newest first.
    const wohngeld = text.indexOf('Wohngeldportal');
    const hundesteuer = text.indexOf('Hundesteuer Musterstadt');
    expect(wohngeld).toBeGreaterThan(-1);
    expect(hundesteuer).toBeGreaterThan(wohngeld);
    const section = text.slice(wohngeld, hundesteuer);
    expect(section).toContain('Wohngeld beantragen');
    // An every-time portal holds no remembered consent, but its tokens may still fetch data: they can be ended.
    expect(section).toContain('Zugriff von „Wohngeldportal“ beenden');
    expect(section).not.toContain('ohne erneute Nachfrage');
    expect(section.indexOf('Vorname (Vertrauensniveau: Basisregistrierung')).toBeLessThan(section.indexOf('Familienname (Vertrauensniveau'));
    expect(section).toContain('auf Abruf des Online-Dienstes');
    expect(section).toContain('bei der Anmeldung (ID-Token)');
    expect(text.slice(hundesteuer)).toContain('E-Mail-Adresse (Vertrauensniveau: niedrig)');
    // Never a value: the page shows what left, not the data itself.
    expect(text).not.toContain(user.email);

    const english = textOf((await agent.get('/account/data-access?lang=en')).body);
    expect(english).toContain('Manage data access');
    expect(english).toContain('on request of the online service');

    // Without a login the account area's login starts (and comes back here), showing nothing first.
    const stranger = await new BrowserAgent(kontor.url).get('/account/data-access');
    expect(stranger.status).toBe(303);
    expect(stranger.location).toBe('/account/login?return=%2Faccount%2Fdata-access');
    expect(stranger.body).not.toContain('Wohngeldportal');
  });

  it('withdraws a remembered consent: the refresh token stops working, back-channel logout arrives, the next login asks again', async () => {
    const client = { name: 'Bauportal', backchannelLogoutUri: receiver.url };
    const { user, clientId, clientSecret, config, agent, tokens } = await signIn(kontor, {
      client,
      authorization: { scope: 'openid profile offline_access', prompt: 'consent' },
    });
    // Another portal's consent of the same person (given in another browser) stays.
    const other = await signIn(kontor, { user });
    expect(tokens.refresh_token).toBeDefined();

    const page = await agent.follow(await agent.get('/account/data-access'));
    const form = formEndingWith(page.body, '/account/data-access/revoke');
    const forms = [...page.body.matchAll(/name="client_id" value="([^"]+)"/g)].map((match) => match[1]);
    expect(forms.sort()).toEqual([clientId, other.clientId].sort());
    receiver.tokens.length = 0;

    const revoked = await agent.post(form.action, { ...form.fields, client_id: clientId });
    expect(revoked.status).toBe(303);
    const after = await agent.follow(revoked);
    expect(textOf(after.body)).toContain('Ihre Zustimmung für „Bauportal“ ist widerrufen');

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(receiver.tokens).toHaveLength(1);
    const logoutToken = decodeJwt(receiver.tokens[0]!);
    expect(logoutToken.aud).toBe(clientId);
    expect(logoutToken.events).toHaveProperty([BACKCHANNEL_EVENT]);

    const events = await kontor.container.audit.list(kontor.container.db.orm.em, { accountId: user.accountId, type: 'consent.revoked' });
    expect(events.map((event) => event.clientId)).toEqual([clientId]);
    // The other portal still holds its consent (and "Mein Bereich", which opened this page, its own grant); the withdrawn one does not.
    expect((await kontor.container.signOut.grantedClients(user.accountId)).sort()).toEqual([other.clientId, 'kontor-account'].sort());

    // Still logged in at Kontor: the next authorization at the portal asks for consent again, not for a login.
    const again = await open(agent, (await authorizationRequest(await discover(kontor, clientId, clientSecret))).url);
    expect(again.status).toBe(200);
    expect(again.body).toContain('/consent');

    // A stale form (nothing left to withdraw) is said so, and changes nothing.
    const stale = await agent.post(form.action, { ...form.fields, client_id: clientId });
    expect(stale.status).toBe(404);
  });

  it('purges rows older than ledger.retentionDays, judged by the injected clock', async () => {
    expect(kontor.config.ledger.retentionDays).toBe(365);
    const user = await createUser(kontor);
    const releases = kontor.container.releases;
    const claims = [{ name: 'email', level: 'niedrig' as const }];
    await releases.record({ accountId: user.accountId, clientId: 'old', use: 'userinfo', claims, at: new Date() });
    kontor.clock.advance(200 * 86_400);
    await releases.record({ accountId: user.accountId, clientId: 'newer', use: 'userinfo', claims, at: kontor.clock.now() });
    kontor.clock.advance(166 * 86_400);
    await releases.purge();
    expect((await ledgerRows(kontor, user.accountId)).map((row) => row.client_id)).toEqual(['newer']);
  });
});
