import { redeem } from './helpers/consent.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { authorizationRequest, BrowserAgent, createUser, discover, loginAndConsent, registerClient } from './helpers/relying-party.ts';
import { recordStatements } from './helpers/statements.ts';

// The code exchange reads the login session once: oidc-provider checks the code's session binding, and the
// ID token's sk_authn_means needs the step the session holds. Within one request the two share the read
// (src/oidc/provider-internals.ts shareSessionReads); the benchmark counts it (docs/performance.md).

const SESSION_BY_UID = /from oidc_payload where kind = 'Session' and uid = /;

describe('login session reads', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
  });
  afterAll(async () => kontor?.stop());

  it('reads the session once per code exchange, and the ID token still names the means', async () => {
    const user = await createUser(kontor);
    const { clientId, clientSecret } = await registerClient(kontor, { consent: 'remembered' });
    const config = await discover(kontor, clientId, clientSecret);
    const request = await authorizationRequest(config);
    const agent = new BrowserAgent(kontor.url);
    const callback = await loginAndConsent(agent, request, user);

    const statements = await recordStatements(kontor);
    const { idToken, userinfo } = await redeem(config, request, callback);
    expect(idToken.sk_authn_means).toBe('Benutzername');
    expect(userinfo.email).toBe(user.email);
    // One read for the token request (binding check and sk_authn_means), one for userinfo's binding check.
    expect(statements.filter((text) => SESSION_BY_UID.test(text))).toHaveLength(2);
  });
});
