import Koa from 'koa';
import Router from '@koa/router';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import * as oidc from 'openid-client';

export interface DemoPortalOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the portal itself is reachable, e.g. http://localhost:3001 */
  baseUrl: string;
}

interface PortalSession {
  /** `returnTo`: the portal page that started the login (the substanziell service comes back to itself). */
  pending?: { state: string; nonce: string; codeVerifier: string; returnTo: string };
  idToken?: string;
  claims?: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
  /** The language the last login asked Kontor for (ui_locales), kept for "Organisation wechseln". */
  lang?: 'de' | 'en';
}

const template = (name: string) => Handlebars.compile(readFileSync(fileURLToPath(new URL(`../../templates/demo-portal/${name}.hbs`, import.meta.url)), 'utf8'));
const page = template('index');
const servicePage = template('service');
const errorPage = template('error');

/**
 * What the portal says when a login did not end in a session: the person's own decision (access_denied,
 * OIDC Core §3.1.2.6) is no failure; anything else is named, with the error code for the help desk.
 */
export function describeLoginError(error: unknown): { status: number; heading: string; text: string; code?: string; description?: string } {
  const code = (error as { error?: unknown }).error;
  const description = (error as { error_description?: unknown }).error_description;
  // Kontor's organisation access rule (issue 19): the person was told why; the portal says it once more.
  if (code === 'access_denied' && typeof description === 'string' && /organisation|role/.test(description)) {
    return {
      status: 403,
      heading: 'Kein Zugang für Ihre Organisation',
      text: 'Ihre Organisation kann diesen Dienst für Sie noch nicht freigeben (zum Beispiel fehlt Ihnen eine Rolle). Wenden Sie sich an die Administration Ihrer Organisation.',
      code,
      description,
    };
  }
  if (code === 'access_denied') {
    return {
      status: 403,
      heading: 'Anmeldung abgebrochen',
      text: 'Sie haben die Anmeldung abgebrochen oder der Weitergabe Ihrer Daten nicht zugestimmt. Ohne Anmeldung können Sie die Online-Dienste nicht nutzen; Sie können es jederzeit erneut versuchen.',
    };
  }
  return {
    status: typeof code === 'string' ? 400 : 502,
    heading: 'Anmeldung fehlgeschlagen',
    text: 'Die Anmeldung mit Ihrem Servicekonto hat nicht geklappt. Bitte versuchen Sie es erneut.',
    code: typeof code === 'string' ? code : undefined,
    description: typeof description === 'string' ? description : undefined,
  };
}

const TRUST_LEVELS: Record<string, string> = {
  'http://bsi.bund.de/eID/LoA/normal': 'niedrig (Passwort)',
  'http://bsi.bund.de/eID/LoA/substantiell': 'substanziell (Passwort und zweiter Faktor)',
  'http://bsi.bund.de/eID/LoA/hoch': 'hoch (Online-Ausweis)',
};

/** What the second service asks for (BSI TR-03107-1 URI, in `acr_values`: the portal may go on below it). */
const SUBSTANZIELL = 'http://bsi.bund.de/eID/LoA/substantiell';
/** The levels at which the second service opens; what the portal compares the ID token's acr with. */
const AT_LEAST_SUBSTANZIELL = new Set([SUBSTANZIELL, 'http://bsi.bund.de/eID/LoA/hoch']);

/** The portal's own role labels (its catalogue as registered, src/dev/seed.ts DEMO_ROLES). */
const ROLE_LABELS: Record<string, string> = { antragsteller: 'Antragsteller', sachbearbeitung: 'Sachbearbeitung' };

/**
 * The organisation the person logged in for and their roles at this portal (scope sk_organisation), from
 * userinfo; undefined for a person without one.
 */
export function organisationOf(userinfo: Record<string, unknown> | undefined): { name: string; roles: string } | undefined {
  const org = userinfo?.sk_org as { name?: unknown } | undefined;
  if (!org || typeof org.name !== 'string') return undefined;
  const roles = Array.isArray(userinfo?.sk_org_roles) ? (userinfo.sk_org_roles as unknown[]).map((role) => ROLE_LABELS[String(role)] ?? String(role)) : [];
  return { name: org.name, roles: roles.join(', ') };
}

/** How the session logged in, for the pages: level in words, the raw acr and amr (RFC 8176). */
function loginOf(session: PortalSession): { trustLevel?: string; acr?: string; amr?: string } {
  const acr = session.claims?.acr as string | undefined;
  const amr = session.claims?.amr;
  return { trustLevel: acr ? (TRUST_LEVELS[acr] ?? acr) : undefined, acr, amr: Array.isArray(amr) ? amr.join(', ') : undefined };
}

/**
 * "Online-Dienste Musterstadt": a relying portal as a city would run it, using openid-client with the
 * authorization code flow + PKCE. It is a separate Koa app and talks to Kontor only over HTTP.
 */
export async function createDemoPortal(options: DemoPortalOptions): Promise<Koa> {
  const issuerUrl = new URL(options.issuer);
  const insecure = issuerUrl.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
  let configuration: oidc.Configuration | undefined;
  const discover = async () => (configuration ??= await oidc.discovery(issuerUrl, options.clientId, options.clientSecret, undefined, insecure));
  const sessions = new Map<string, PortalSession>();
  const redirectUri = `${options.baseUrl.replace(/\/$/, '')}/callback`;

  const app = new Koa();
  const router = new Router();
  const sessionOf = (ctx: Koa.Context): PortalSession => {
    let id = ctx.cookies.get('demo.sid');
    if (!id || !sessions.has(id)) {
      id = randomBytes(16).toString('base64url');
      sessions.set(id, {});
      ctx.cookies.set('demo.sid', id, { httpOnly: true, sameSite: 'lax' });
    }
    return sessions.get(id)!;
  };

  router.get('/', (ctx) => {
    const session = sessionOf(ctx);
    ctx.type = 'html';
    ctx.body = page({
      loggedIn: Boolean(session.claims),
      name: session.userinfo?.name ?? session.claims?.sub,
      ...loginOf(session),
      claims: session.claims ? JSON.stringify(session.claims, null, 2) : undefined,
      organisation: organisationOf(session.userinfo),
      changeOrganisationUrl: `/login?organisation=change${session.lang === 'en' ? '&lang=en' : ''}`,
      userinfo: session.userinfo ? JSON.stringify(session.userinfo, null, 2) : undefined,
      // Kontor's page of what left the account (issue 16), reached from a portal until the account area exists.
      dataAccessUrl: new URL('/account/data-access', options.issuer).href,
    });
  });

  /**
   * "Dienst mit Vertrauensniveau substanziell": opens only to a login at substanziell or higher. A person
   * logged in with the password alone gets a button that asks Kontor for the level: Kontor then asks for
   * the missing second factor only (step-up), or sets one up inside the login.
   */
  router.get('/substanziell', (ctx) => {
    const session = sessionOf(ctx);
    const acr = session.claims?.acr as string | undefined;
    ctx.type = 'html';
    ctx.body = servicePage({
      loggedIn: Boolean(session.claims),
      name: session.userinfo?.name ?? session.claims?.sub,
      open: Boolean(acr && AT_LEAST_SUBSTANZIELL.has(acr)),
      ...loginOf(session),
      loginUrl: `/login?level=substanziell${ctx.query.lang === 'en' ? '&lang=en' : ''}`,
    });
  });

  router.get('/login', async (ctx) => {
    const config = await discover();
    const session = sessionOf(ctx);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const substanziell = ctx.query.level === 'substanziell';
    // "Organisation wechseln": prompt=select_account (OIDC Core §3.1.2.1) makes Kontor offer the chooser again.
    const changeOrganisation = ctx.query.organisation === 'change';
    session.lang = ctx.query.lang === 'en' ? 'en' : 'de';
    session.pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, returnTo: substanziell ? '/substanziell' : '/' };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email sk_organisation',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: session.pending.state,
      nonce: session.pending.nonce,
      // The portal's language choice travels as ui_locales (OIDC Core §3.1.2.1): /login?lang=en logs in in English.
      ui_locales: ctx.query.lang === 'en' ? 'en' : 'de',
      // OIDC Core §3.1.2.1: a voluntary request; the portal checks the acr it gets before it opens the service.
      ...(substanziell ? { acr_values: SUBSTANZIELL } : {}),
      ...(changeOrganisation ? { prompt: 'select_account' } : {}),
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const config = await discover();
    const session = sessionOf(ctx);
    const pending = session.pending;
    if (!pending) {
      ctx.redirect('/');
      return;
    }
    session.pending = undefined;
    const currentUrl = new URL(ctx.originalUrl, options.baseUrl);
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    session.idToken = tokens.id_token;
    session.claims = claims as Record<string, unknown>;
    session.userinfo = (await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) as Record<string, unknown>;
    ctx.redirect(pending.returnTo);
  });

  router.post('/logout', async (ctx) => {
    const config = await discover();
    const session = sessionOf(ctx);
    const idToken = session.idToken;
    session.claims = undefined;
    session.userinfo = undefined;
    session.idToken = undefined;
    const url = oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: `${options.baseUrl.replace(/\/$/, '')}/`,
      ...(idToken ? { id_token_hint: idToken } : {}),
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const described = describeLoginError(error);
      ctx.status = described.status;
      ctx.type = 'html';
      ctx.body = errorPage(described);
    }
  });
  app.use(router.routes());
  return app;
}
