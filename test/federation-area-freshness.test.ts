import { BrowserAgent } from './helpers/browser-agent.ts';
import { atUpstream, EIDAS, followAll, startFederation, submitForm, UPSTREAM_ID, type FederationSetup } from './helpers/federation.ts';
import { createUser } from './helpers/relying-party.ts';
import { enrolTotp } from './helpers/step-up.ts';

// Security review (issues 17 and 18): a change in "Mein Bereich" needs a fresh login "with the second factor
// the account has" (isFresh: `mfa` in amr). A federated login carries the upstream's own amr, whatever the
// upstream is trusted for: an upstream whose ceiling is niedrig (password level) that writes `mfa` into amr
// must not stand in for the account's own second factor, or a login there removes that factor, changes the
// address or deletes the account. The level the login reached (its acr, capped by the ceiling) decides.

const weak = {
  username: 'wanda',
  password: 'wanda-Pass-1',
  sub: 'sub-wanda',
  acr: EIDAS.low,
  amr: ['pwd', 'mfa'],
  claims: { given_name: 'Wanda', family_name: 'Weak', email: 'wanda.upstream@example.org', email_verified: true },
};

describe('Mein Bereich after a federated login from an upstream capped at niedrig', () => {
  let setup: FederationSetup;
  beforeAll(async () => {
    setup = await startFederation([weak], { trust: { acr: { [EIDAS.low]: 'niedrig', [EIDAS.substantial]: 'substanziell' }, ceiling: 'niedrig' } });
  });
  afterAll(async () => setup?.stop());

  it('does not count the upstream’s "mfa" as the account’s second factor: a change asks for a new login', async () => {
    const { kontor } = setup;
    const local = await createUser(kontor);
    await enrolTotp(kontor, local);
    // The person linked the upstream identity earlier (explicitly, with password and TOTP; federation.test.ts covers that).
    await kontor.container.db.orm.em
      .fork()
      .transactional((tx) => kontor.container.credentials.addFederated(tx, local.accountId, setup.upstream.issuer, weak.sub));

    const agent = new BrowserAgent(setup.issuer);
    const loginPage = await followAll(agent, await agent.get(`${setup.issuer}/account`));
    const chooserLink = /href="([^"]*\/federation)"/.exec(loginPage.body)?.[1];
    expect(chooserLink).toBeDefined();
    const chooser = await agent.get(new URL(chooserLink!, loginPage.url).href);
    const upstreamLogin = await submitForm(agent, chooser, '/federation', { upstream: UPSTREAM_ID });
    const dashboard = await atUpstream(agent, upstreamLogin, weak);
    expect([dashboard.status, new URL(dashboard.url).pathname]).toEqual([200, '/account']);

    for (const page of ['/account/second-factor/remove', '/account/email', '/account/delete']) {
      const response = await agent.get(`${setup.issuer}${page}`);
      expect([page, response.status, response.location?.includes('reauth=1')]).toEqual([page, 303, true]);
    }
  });
});
