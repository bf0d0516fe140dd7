import Koa from 'koa';
import type Router from '@koa/router';
import type { Container } from './container.ts';
import { csrfProtection } from './http/csrf.ts';
import { errorHandler, errorResponder } from './http/error-handler.ts';
import { healthRoutes } from './http/health.routes.ts';
import { pinToIssuer } from './http/host-pinning.ts';
import { localeMiddleware } from './http/locale.ts';
import { requestLogger } from './http/request-logger.ts';
import { securityHeaders } from './http/security-headers.ts';
import { sharedCaching } from './http/shared-caching.ts';
import { staticRoutes } from './http/static.routes.ts';
import { pageFallback, siteContext, startRoutes } from './http/start.routes.ts';
import { devMailRoutes } from './dev/mail.routes.ts';
import { interactionRoutes, type InteractionDeps } from '../interactions/routes.ts';
import { publicRoutes } from '../interactions/public-routes.ts';
import { accountUnlockRoutes } from '../interactions/account-unlock.ts';
import { accountAreaRoutes } from '../interactions/account/routes.ts';
import type { ServiceTerms } from './clients/index.ts';
import { organisationDrafts } from '../interactions/account/organisations/registration-draft.ts';
import type { AccountAreaDeps } from '../interactions/account/account-deps.ts';
import { registrationCookie } from '../interactions/registration-cookie.ts';
import { federationPublicRoutes } from '../interactions/federation-public.ts';
import { linkPending } from '../interactions/federation-link.ts';
import { upstreamLogout } from '../interactions/federation-logout.ts';
import { usesHttps } from './shared/urls.ts';
import { sessionLimitsOf, withSessionReads } from './oidc/index.ts';

/** Responses that must not reveal whether an account exists take at least this long (see `equalise`). */
const MINIMUM_RESPONSE_MS = 250;

/** The app and the routers of ours it serves (in front of oidc-provider); tests walk their routes. */
export type KontorApp = Koa & { readonly routers: readonly Router[] };

/**
 * The HTTP application. Order matters: logging and security headers wrap everything, then the host and
 * protocol are pinned to the issuer, our routers come next behind one CSRF guard, and oidc-provider is
 * mounted last with no body parser in front of it. There is no request-scoped entity manager: services
 * fork their own (the provider calls them outside any request context anyway).
 */
export function createApp(container: Container): KontorApp {
  const { config, logger, views, db } = container;
  const https = usesHttps(config.issuer);
  // The provider runs on our Koa context (mounted as middleware), so its signed cookies use our app's keys.
  // maxIpsCount: ctx.ip is the X-Forwarded-For entry the outermost trusted proxy appended (the address it
  // saw), counted from the right; entries further left were written by the client and are ignored.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustedProxyHops, keys: container.provider.keys as string[] });
  const csrf = csrfProtection(config.secret, https);

  app.use(requestLogger(logger));
  // One read of a login session by uid per request, shared by oidc-provider and Kontor (session-trust.ts).
  app.use((_ctx, next) => withSessionReads(next));
  app.use(securityHeaders(https));
  app.use(pinToIssuer(config.issuer, logger));
  app.use(localeMiddleware(https));
  app.use(siteContext(config.operator));
  // Outermost of the page middleware: turns an unanswered request (ours or the provider's) into the HTML 404/405 page.
  app.use(pageFallback(views));

  const pageMiddleware = [errorHandler(logger, views), csrf.middleware];
  const deps: InteractionDeps = {
    get provider() {
      return container.provider; // follows key reloads (LiveProvider)
    },
    views,
    passwords: container.passwords,
    logins: container.logins,
    registration: container.registration,
    passwordReset: container.passwordReset,
    rateLimiter: container.rateLimiter,
    registrationCookie: registrationCookie(config.secret, https),
    audit: (event) => container.audit.recordAlone(db.orm.em, event),
    logger,
    displayName: (accountId) => container.accounts.displayName(accountId),
    loginNames: async (accountId) => {
      const account = await container.accounts.findById(accountId);
      return account ? { email: account.email, username: account.username ?? null } : undefined;
    },
    accountStatus: async (accountId) => (await container.accounts.findById(accountId))?.status,
    secondFactors: container.secondFactors,
    composer: container.composer,
    organisations: container.organisations.access,
    federation: container.federation && { ...container.federation, linkPending: linkPending({ ...container.federation, secureCookies: https }) },
    clock: container.clock,
    settings: {
      registration: config.registration,
      passwordPolicy: container.passwordPolicy,
      rateLimits: config.rateLimits,
      secureCookies: https,
      deviceCookieName: https ? '__Host-kontor.device' : 'kontor.device',
      minimumResponseMs: MINIMUM_RESPONSE_MS,
      sessionLimits: sessionLimitsOf(config.session),
      secondFactorLevel: config.secondFactor.level,
      emailCodeMinutes: config.secondFactor.emailCodeMinutes,
    },
  };
  const accountDeps: AccountAreaDeps = {
    get provider() {
      return container.provider;
    },
    views,
    clock: container.clock,
    logger,
    accounts: container.accounts,
    secondFactors: container.secondFactors,
    areaSessions: container.accountAreaSessions,
    accountLogin: container.accountLogin,
    loginSessions: container.accountSessions,
    signOut: container.signOut,
    releases: container.releases,
    profileUpdates: container.profileUpdates,
    emailChanges: container.emailChanges,
    clientName: (clientId) => container.clients.displayName(clientId),
    accountDeletion: container.accountDeletion,
    accountLock: container.accountLock,
    dataExport: container.dataExport,
    organisations: container.organisations,
    organisationDrafts: organisationDrafts(config.secret, https),
    passwordChange: container.passwordChange,
    secondFactorChanges: container.secondFactors,
    organisationServices: async () => {
      const terms = await Promise.all((await container.clients.list()).map((client) => container.clients.serviceTerms(client.clientId)));
      return terms.filter((service): service is ServiceTerms => Boolean(service?.roles.length));
    },
    credentialSettings: {
      passwordPolicy: container.passwordPolicy,
      secondFactorRequired: config.secondFactor.required,
      emailCodeMinutes: config.secondFactor.emailCodeMinutes,
    },
    settings: {
      issuer: config.issuer,
      unlockLinkDays: config.account.unlockLinkDays,
      secureCookies: https,
      reauthMinutes: config.account.reauthMinutes,
      secondFactorLevel: config.secondFactor.level,
      // Half the shortest idle limit of a login session (niedrig's): well before the IdP session would end.
      refreshAfterSeconds: (config.session.idleMinutes * 60) / 2,
      timeZone: config.timeZone,
      profileFields: config.registration.profileFields,
      emailChangeHours: config.registration.confirmationHours,
      minimumResponseMs: MINIMUM_RESPONSE_MS,
    },
  };
  // Every router of ours goes in this list: the CSRF guard covers exactly these, and so does its test.
  const routers: Router[] = [
    healthRoutes(db.orm),
    staticRoutes(),
    startRoutes(views, config.operator),
    interactionRoutes(deps, pageMiddleware),
    publicRoutes(deps, pageMiddleware),
    // Before the account area's router: a locked account has no session, and these pages need none.
    accountUnlockRoutes({ views, rateLimiter: container.rateLimiter, accountLock: container.accountLock, settings: deps.settings }, pageMiddleware),
    accountAreaRoutes(accountDeps, pageMiddleware),
  ];
  const federation = container.federation;
  if (federation && deps.federation) {
    const backchannelLogout = async (upstreamId: string, token: string) => {
      const outcome = await federation.backchannel.receive(upstreamId, token);
      if (outcome) await deps.audit({ type: 'federation.logout_received', details: { upstream: upstreamId, sessions: outcome.ended } });
      return outcome !== undefined;
    };
    routers.push(federationPublicRoutes({ deps, federation: deps.federation, backchannelLogout }, pageMiddleware));
  }
  if (config.env === 'development' && config.devFeatures) routers.push(devMailRoutes(container.outbox, views, pageMiddleware));
  app.use(csrf.guard(routers, errorResponder(logger, views)));
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }

  if (deps.federation) {
    const sessionCookie = https ? '__Host-kontor.session' : '_session';
    app.use(upstreamLogout({ provider: () => container.provider, federation: deps.federation, issuer: config.issuer, sessionCookie, secure: https, logger }));
  }
  app.use(sharedCaching(config.keys.reloadSeconds));
  app.use(container.live.middleware);
  return Object.assign(app, { routers });
}
