import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { registerClient, REDIRECT_URI } from './helpers/relying-party.ts';

// Behind a TLS-terminating proxy (KONTOR_TRUST_PROXY) with an https issuer, every cookie must be Secure
// and the CSRF cookie host-bound (__Host-).
describe('cookies behind a TLS-terminating proxy', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('embedded', { KONTOR_ISSUER: 'https://id.example.test', KONTOR_TRUST_PROXY: 'true' });
  });
  afterAll(() => kontor?.stop());

  it('sets only Secure, HttpOnly cookies and a __Host- CSRF cookie', async () => {
    const client = await registerClient(kontor);
    const cookies: string[] = [];
    const jar = new Map<string, string>();
    // As the proxy forwards it: the public host and X-Forwarded-Proto (node:http, since fetch rewrites Host).
    const get = async (path: string, form?: Record<string, string>) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const response = await rawRequest(kontor.server, path, { method: form ? 'POST' : 'GET', form, headers: { 'x-forwarded-proto': 'https', host: 'id.example.test', ...(cookie ? { cookie } : {}) } });
      for (const header of response.headers.getSetCookie()) {
        cookies.push(header);
        const [pair] = header.split(';');
        jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
      }
      return response;
    };
    const auth = await get(`/auth?${new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's' })}`);
    expect(auth.status).toBe(303);
    const location = new URL(auth.headers.get('location')!, 'https://id.example.test');
    expect(location.pathname).toMatch(/^\/interaction\//);
    const page = await get(location.pathname);
    expect(page.status).toBe(200);

    expect(cookies.length).toBeGreaterThanOrEqual(3);
    for (const cookie of cookies) {
      expect(cookie.toLowerCase()).toContain('; secure');
      expect(cookie.toLowerCase()).toContain('; httponly');
    }
    const csrf = cookies.find((cookie) => cookie.includes('kontor.csrf='));
    expect(csrf).toMatch(/^__Host-kontor\.csrf=[^;]+; path=\/; samesite=lax; secure; httponly$/i);
  });
});
