import { csrfExempt } from '../src/http/csrf.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { cookiesFrom, csrfTokenIn, rawRequest } from './helpers/raw-http.ts';

const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A concrete path for a route pattern: every `:param` gets a plausible value. */
const concrete = (pattern: string) => pattern.replace(/:(\w+)/g, 'aaaaaaaaaaaaaaaaaaaaa');

// Every unsafe route of Kontor's own routers needs the CSRF token, found by reading the routers themselves:
// a route added tomorrow is covered by this test without anyone listing it.
describe('CSRF protection of every route of ours', () => {
  let kontor: TestKontor;
  let host: string;
  beforeAll(async () => {
    // Dev features on: the development mailbox's router is mounted too.
    kontor = await startTestKontor('embedded', { KONTOR_DEV_FEATURES: 'true' });
    host = new URL(kontor.url).host;
  });
  afterAll(() => kontor?.stop());

  const unsafeRoutes = () =>
    kontor.app.routers.flatMap((router) =>
      router.stack.flatMap((layer) => layer.methods.filter((method) => UNSAFE.includes(method)).map((method) => ({ method, path: String(layer.path) }))),
    );

  const interactionRouter = () => kontor.app.routers.find((router) => router.opts.prefix === '/interaction')!;

  // The tests below add routes to the running app; each removes its own afterwards, so the route walk of the
  // first test sees only Kontor's routes whatever order the tests run in.
  let routesBefore = 0;
  beforeEach(() => {
    routesBefore = interactionRouter().stack.length;
  });
  afterEach(() => {
    interactionRouter().stack.splice(routesBefore);
  });

  it('refuses an unsafe request without a valid token on every registered route with 403', async () => {
    const routes = unsafeRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(10); // the walk found the login, registration, consent and mail-link forms
    const page = await rawRequest(kontor.server, '/password/forgot', { headers: { host } });
    const cookie = cookiesFrom(page);
    for (const { method, path } of routes) {
      for (const attempt of [{}, { cookie }, { cookie, csrf_token: 'forged' }]) {
        const { cookie: sent, ...form } = attempt as { cookie?: string; csrf_token?: string };
        const response = await rawRequest(kontor.server, concrete(path), {
          method,
          headers: { host, ...(sent ? { cookie: sent } : {}) },
          form: { ...form, username: 'x', password: 'y' },
        });
        expect([method, path, Object.keys(attempt), response.status]).toEqual([method, path, Object.keys(attempt), 403]);
      }
    }
  });

  it('protects a route added later without it asking for protection, before its handler runs', async () => {
    let ran = false;
    const router = interactionRouter();
    router.post('/:uid/added-later', (ctx) => {
      ran = true;
      ctx.body = 'done';
    });
    const page = await rawRequest(kontor.server, '/password/forgot', { headers: { host } });
    const path = concrete(`${router.opts.prefix ?? ''}/:uid/added-later`);
    const refused = await rawRequest(kontor.server, path, { method: 'POST', headers: { host, cookie: cookiesFrom(page) }, form: { csrf_token: 'forged' } });
    expect([refused.status, ran]).toEqual([403, false]);
    const accepted = await rawRequest(kontor.server, path, {
      method: 'POST',
      headers: { host, cookie: cookiesFrom(page) },
      form: { csrf_token: csrfTokenIn(page.body) },
    });
    expect([accepted.status, accepted.body, ran]).toEqual([200, 'done', true]);
  });

  it('lets a route opt out explicitly, and still parses its form', async () => {
    const router = interactionRouter();
    router.post('/:uid/opted-out', csrfExempt('test: a route that authenticates by other means'), (ctx) => {
      ctx.body = (ctx.request.body as { note?: string }).note ?? 'no body';
    });
    const response = await rawRequest(kontor.server, concrete(`${router.opts.prefix ?? ''}/:uid/opted-out`), {
      method: 'POST',
      headers: { host },
      form: { note: 'parsed' },
    });
    expect([response.status, response.body]).toEqual([200, 'parsed']);
  });
});
