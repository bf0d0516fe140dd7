import { openAccountArea } from './helpers/account-area.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { csrfTokenIn } from './helpers/raw-http.ts';
import { createUser } from './helpers/relying-party.ts';

// Security review of "Mein Bereich" (issue 17 item 2): every unsafe route under /account refuses a login
// older than account.reauthMinutes and sends the person to re-authenticate, found by walking the routers
// themselves (like csrf-routes.test.ts): a change route added tomorrow without `requireFreshLogin` fails here
// unless it is named below with the reason it needs only the session.

const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Unsafe routes under /account that are deliberately not behind the freshness check, each with why. */
const SESSION_ONLY: Record<string, string> = {
  '/account/logout': 'leaving must always work',
  '/account/sessions/end': 'ending a session only takes access away (the person acting against an intruder must not be delayed)',
  '/account/sessions/end-others': 'as above',
  '/account/data-access/revoke': 'withdrawing a consent only takes a portal’s access away',
  '/account/export': 'reading (issue 17 item 2: "Reading needs only the session"), rate-limited per account',
  '/account/email/confirm': 'no session at all: the mailed single-use token authorises it',
  '/account/unlock': 'no session at all: the mailed single-use token authorises it',
  '/account/unlock/resend': 'no session at all: the public resend form of a locked account',
};

/**
 * The organisation pages (issue 19) change memberships, roles and groups of an organisation, not the person's
 * own account: outside issue 17's step-up list. Listed apart so a personal change page cannot hide here.
 */
const ORGANISATION_PREFIX = '/account/organisations/';

const concrete = (pattern: string) => pattern.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000');

describe('Mein Bereich: every change route refuses a stale login', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
  });
  afterAll(() => kontor?.stop());

  const accountRoutes = () =>
    kontor.app.routers
      .flatMap((router) =>
        router.stack.flatMap((layer) =>
          layer.methods.filter((method) => UNSAFE.includes(method)).map((method) => ({ method, path: `${router.opts.prefix ?? ''}${String(layer.path)}` })),
        ),
      )
      .filter((route) => route.path === '/account' || route.path.startsWith('/account/'));

  it('sends each one to /account/login?reauth=1 and changes nothing', async () => {
    const routes = accountRoutes();
    // The walk found the change forms of issue 17 (profile, e-mail, password, second factor, lock, deletion).
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const user = await createUser(kontor);
    const { agent, page } = await openAccountArea(kontor, user);
    const csrf = csrfTokenIn(page.body);
    kontor.clock.advance(6 * 60); // past account.reauthMinutes (5), inside the session's idle limit
    const checked: string[] = [];
    for (const { method, path } of routes) {
      if (path in SESSION_ONLY || path.startsWith(ORGANISATION_PREFIX)) continue;
      const response = await agent.post(concrete(path), { csrf_token: csrf });
      const location = response.location ?? '';
      expect([method, path, response.status, location.startsWith('/account/login?') && location.includes('reauth=1')]).toEqual([method, path, 303, true]);
      checked.push(path);
    }
    expect(checked).toEqual(expect.arrayContaining(['/account/profile', '/account/email', '/account/password', '/account/lock', '/account/delete']));
    // Nothing changed: the account is active and has its password still.
    expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('active');
  });

  it('names only routes that exist in the list of session-only routes', () => {
    const paths = new Set(accountRoutes().map((route) => route.path));
    for (const path of Object.keys(SESSION_ONLY)) expect([path, paths.has(path)]).toEqual([path, true]);
  });
});
