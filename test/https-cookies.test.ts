import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { formEndingWith } from './helpers/browser-agent.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { createUser, registerClient, REDIRECT_URI } from './helpers/relying-party.ts';

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
      const response = await rawRequest(kontor.server, path, {
        method: form ? 'POST' : 'GET',
        form,
        headers: { 'x-forwarded-proto': 'https', host: 'id.example.test', ...(cookie ? { cookie } : {}) },
      });
      for (const header of response.headers.getSetCookie()) {
        cookies.push(header);
        const [pair] = header.split(';');
        jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
      }
      return response;
    };
    const auth = await get(
      `/auth?${new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's' })}`,
    );
    expect(auth.status).toBe(303);
    const location = new URL(auth.headers.get('location')!, 'https://id.example.test');
    expect(location.pathname).toMatch(/^\/interaction\//);
    const page = await get(location.pathname);
    expect(page.status).toBe(200);
    // Logging in sets the provider's session cookie on the resume step.
    const user = await createUser(kontor);
    const form = formEndingWith(page.body, '/login');
    const login = await get(form.action, { ...form.fields, username: user.email, password: user.password });
    expect(login.status).toBe(303);
    expect((await get(new URL(login.headers.get('location')!, 'https://id.example.test').pathname)).status).toBe(303);

    expect(cookies.length).toBeGreaterThanOrEqual(3);
    for (const cookie of cookies) {
      expect(cookie.toLowerCase()).toContain('; secure');
      expect(cookie.toLowerCase()).toContain('; httponly');
    }
    const csrf = cookies.find((cookie) => cookie.includes('kontor.csrf='));
    expect(csrf).toMatch(/^__Host-kontor\.csrf=[^;]+; path=\/; samesite=lax; secure; httponly$/i);
    // The session cookie (and its signature) lives on path / and so carries __Host- too: no sibling host or
    // plain-http page can plant one (RFC 6265bis §4.1.3.2). The interaction cookies are path-scoped, which
    // __Host- forbids, so they carry __Secure-.
    const session = cookies.filter((cookie) => /^__Host-kontor\.session(\.sig)?=/.test(cookie));
    expect(session).toHaveLength(2);
    for (const cookie of session) {
      expect(cookie).toMatch(/; path=\/;/);
      expect(cookie.toLowerCase()).not.toContain('domain=');
    }
    const names = cookies.map((cookie) => cookie.slice(0, cookie.indexOf('=')));
    expect(names.filter((name) => !name.startsWith('__Host-') && !name.startsWith('__Secure-'))).toEqual([]);
  });
});
