import { BrowserAgent } from './helpers/browser-agent.ts';
import { atUpstream, EIDAS, portal, startFederation, submitForm, toUpstream, type FederationSetup } from './helpers/federation.ts';

// Security review of the federation (issue 18): account pre-hijacking through an address the upstream did
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

describe('federation: an address the upstream did not verify never makes an account', () => {
  let setup: FederationSetup;

  beforeAll(async () => {
    setup = await startFederation([mallory, silent]);
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
});
