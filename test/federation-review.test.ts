import { BrowserAgent } from './helpers/browser-agent.ts';
import { atUpstream, EIDAS, portal, startFederation, submitForm, toUpstream, type FederationSetup } from './helpers/federation.ts';

// Security review of the federation (issue 18). First: account pre-hijacking through an address the upstream did
// not verify (Sudhodanan & Paverd, "Pre-hijacked accounts", USENIX Security 2022, the "non-verifying IdP"
// attack). Whoever holds an upstream account with someone else's address would otherwise own a Kontor
// account under it: the address's owner cannot register (the address is taken), is mailed "you already have
// an account", resets its password, and then uses an account the attacker still logs in to upstream.

const person = (username: string, claims: Record<string, unknown>) => ({
  username,
  password: `${username}-Pass-1`,
  sub: `sub-${username}`,
  acr: EIDAS.substantial,
  amr: ['pwd'],
  claims,
});

const mallory = person('mallory', { given_name: 'Mallory', family_name: 'Squat', email: 'victim@example.org', email_verified: false });
const silent = person('silent', { given_name: 'Silke', family_name: 'Stumm', email: 'silke@example.org' });
// What an upstream sends is input at a trust boundary like a form: an object where a name belongs, a number as
// a date, a value of 20 000 characters, bidi overrides (Unicode TR #36 §2.3) would otherwise become attributes
// that every portal receives at the upstream's level, and the account's name ("[object Object]").
const odd = person('odd', {
  given_name: { first: 'Otto' },
  family_name: 'Ordentlich',
  email: 'otto@example.org',
  email_verified: true,
  birthdate: 19900131,
  address: { street_address: 'Deichweg 1', postal_code: '2'.repeat(20_000), locality: 'Hus\u202Eum', country: 'DE' },
});

describe('federation review: what an upstream sends at the first arrival', () => {
  let setup: FederationSetup;

  beforeAll(async () => {
    setup = await startFederation([mallory, silent, odd]);
  });
  afterAll(async () => setup?.stop());

  const accountsWith = async (email: string) =>
    (await setup.kontor.container.db.orm.em.fork().execute<Array<{ id: string }>>('select id from account where email_normalized = ?', [email])).length;

  it.each([
    ['email_verified false', mallory, 'victim@example.org'],
    ['no email_verified at all', silent, 'silke@example.org'],
  ])('refuses the first arrival (%s), says why and offers the explicit link', async (_case, who, address) => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const welcome = await atUpstream(agent, trip.upstreamLogin, who);
    expect(welcome.status).toBe(200);
    const tried = await submitForm(agent, welcome, '/federation/welcome', { consent_privacy: 'on' });
    expect(tried.status).toBe(409);
    expect(tried.body).toContain('nicht als bestätigt');
    expect(tried.body).toContain('/federation/link');
    expect(await accountsWith(address)).toBe(0);
    expect(await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, who.sub)).toBeUndefined();
  });

  it('keeps only well-formed text from the upstream: no objects, numbers, overlong or invisible-character values', async () => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const welcome = await atUpstream(agent, trip.upstreamLogin, odd);
    expect(welcome.body).not.toContain('[object Object]');
    expect(welcome.body).not.toContain('2'.repeat(100));
    await submitForm(agent, welcome, '/federation/welcome', { consent_privacy: 'on' });
    const accountId = await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, odd.sub);
    expect(accountId).toBeDefined();
    const rows = await setup.kontor.container.db.orm.em
      .fork()
      .execute<Array<{ name: string; value: unknown }>>('select name, value from account_attribute where account_id = ? order by name', [accountId]);
    expect(Object.fromEntries(rows.map((row) => [row.name, row.value]))).toEqual({
      'address.country': 'DE',
      'address.street_address': 'Deichweg 1',
      email: 'otto@example.org',
      email_verified: true,
      family_name: 'Ordentlich',
    });
    expect((await setup.kontor.container.accounts.findById(accountId!))?.givenName).toBe('');
  });
});
