import { startTestKontor, type TestKontor } from './helpers/kontor.ts';

describe('discovery document', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('embedded');
  });
  afterAll(() => kontor?.stop());

  it('advertises exactly the protocol surface Kontor supports', async () => {
    const response = await fetch(`${kontor.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = await response.json();
    expect(metadata).toMatchObject({
      issuer: kontor.url,
      authorization_endpoint: `${kontor.url}/auth`,
      token_endpoint: `${kontor.url}/token`,
      userinfo_endpoint: `${kontor.url}/me`,
      jwks_uri: `${kontor.url}/jwks`,
      end_session_endpoint: `${kontor.url}/session/end`,
      introspection_endpoint: `${kontor.url}/token/introspection`,
      revocation_endpoint: `${kontor.url}/token/revocation`,
      pushed_authorization_request_endpoint: `${kontor.url}/request`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: expect.arrayContaining(['pairwise', 'public']),
      grant_types_supported: expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      claims_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      authorization_response_iss_parameter_supported: true,
      ui_locales_supported: ['de', 'en'],
    });
    // Exactly what a login can meet: password (niedrig) and password + second factor (substanziell, also
    // eIDAS low and substantial, STORK 3); hoch needs the eID card, which is not there yet.
    expect(metadata.acr_values_supported).toEqual([
      'http://bsi.bund.de/eID/LoA/normal',
      'http://bsi.bund.de/eID/LoA/substantiell',
      'http://eidas.europa.eu/LoA/low',
      'http://eidas.europa.eu/LoA/substantial',
      'STORK-QAA-Level-1',
      'STORK-QAA-Level-2',
      'STORK-QAA-Level-3',
    ]);
    expect([...metadata.token_endpoint_auth_methods_supported].sort()).toEqual(['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
    expect([...metadata.id_token_signing_alg_values_supported].sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    // Only what this deployment can supply: no profile field maps to a birth date, an address or an identity
    // claim here, so neither those claims nor the address and sk_identity scopes are promised. The
    // organisations domain always supplies sk_org and sk_org_roles (scope sk_organisation).
    expect([...metadata.claims_supported].sort()).toEqual(
      [
        'acr',
        'amr',
        'auth_time',
        'email',
        'email_verified',
        'family_name',
        'gender',
        'given_name',
        'iss',
        'locale',
        'name',
        'sid',
        'sk_authn_means',
        'sk_claim_trust',
        'sk_org',
        'sk_org_roles',
        'sub',
      ].sort(),
    );
    expect([...metadata.scopes_supported].sort()).toEqual(['email', 'offline_access', 'openid', 'profile', 'sk_organisation']);
  });

  it('sends security headers with every response', async () => {
    const response = await fetch(`${kontor.url}/.well-known/openid-configuration`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});
