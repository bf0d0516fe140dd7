import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { authorizationRequest, BrowserAgent, createUser, discover, formEndingWith, open, registerClient, submitLogin } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';
import { TRUST_LEVELS } from '../src/trust/index.ts';

interface Row {
  client_id: string;
  use: string;
  claims: Array<{ name: string; level: string }>;
  purpose: string | null;
}

async function rowsOf(kontor: TestKontor, accountId: string): Promise<Row[]> {
  return kontor.container.db.orm.em
    .fork()
    .execute<Row[]>('select client_id, use, claims, purpose from release_ledger where account_id = ? order by released_at, id', [accountId], 'all');
}

/** The provider wiring (src/oidc/claims-release.ts) records every real release into the ledger (issue 16 §4). */
describe('a ledger row for every release', () => {
  let kontor: TestKontor;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
  });
  afterAll(async () => {
    await kontor?.stop();
  });

  it('records the ID token at the token endpoint, userinfo and a refresh that issues an ID token: names and levels, never values', async () => {
    const { user, clientId, config, tokens } = await signIn(kontor, {
      client: { purpose: 'Antrag auf Wohngeld' },
      authorization: { scope: 'openid profile email offline_access', prompt: 'consent', claims: JSON.stringify({ id_token: { given_name: null } }) },
    });
    expect(tokens.claims()?.given_name).toBe('Erika');
    let rows = await rowsOf(kontor, user.accountId);
    expect(rows.map((row) => row.use)).toEqual(['id_token']);
    expect(rows[0]!.client_id).toBe(clientId);
    expect(rows[0]!.purpose).toBe('Antrag auf Wohngeld');
    expect(rows[0]!.claims).toContainEqual({ name: 'given_name', level: 'basisregistrierung' });

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo.family_name).toBe('Mustermann');
    rows = await rowsOf(kontor, user.accountId);
    expect(rows.map((row) => row.use)).toEqual(['id_token', 'userinfo']);
    expect(rows[1]!.claims.map((claim) => claim.name)).toEqual(expect.arrayContaining(['family_name', 'email']));

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.id_token).toBeDefined();
    rows = await rowsOf(kontor, user.accountId);
    expect(rows.map((row) => row.use)).toEqual(['id_token', 'userinfo', 'id_token']);

    for (const row of rows) for (const claim of row.claims) expect(TRUST_LEVELS).toContain(claim.level);
    const stored = JSON.stringify(rows);
    for (const value of ['Erika', 'Mustermann', user.email]) expect(stored).not.toContain(value);
  });

  it('writes no row for a declined consent', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const agent = new BrowserAgent(kontor.url);
    const consentPage = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), user.email, user.password);
    const abort = formEndingWith(consentPage.body, '/abort');
    const declined = await agent.post(abort.action, abort.fields);
    expect(declined.status).toBe(303);
    const back = await agent.follow(declined, (location) => location.includes('/callback'));
    expect(back.location).toContain('error=access_denied');
    expect(await rowsOf(kontor, user.accountId)).toEqual([]);
  });
});
