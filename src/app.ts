import Koa from 'koa';
import type { Container } from './container.ts';
import { csrfProtection } from './http/csrf.ts';
import { errorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.routes.ts';
import { localeMiddleware } from './http/locale.ts';
import { requestLogger } from './http/request-logger.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticRoutes } from './http/static.routes.ts';
import { devMailRoutes } from './dev/mail.routes.ts';
import { interactionRoutes, type InteractionDeps } from '../interactions/routes.ts';
import { publicRoutes } from '../interactions/public-routes.ts';
import { registrationCookie } from '../interactions/registration-cookie.ts';
import { usesHttps } from './shared/urls.ts';

/** Responses that must not reveal whether an account exists take at least this long (see `equalise`). */
const MINIMUM_RESPONSE_MS = 250;

/**
 * The HTTP application. Order matters: logging and security headers wrap everything, our routers come
 * first, and oidc-provider is mounted last with no body parser in front of it. There is no request-scoped
 * entity manager: services fork their own (the provider calls them outside any request context anyway).
 */
export function createApp(container: Container): Koa {
  const { config, logger, views, db } = container;
  const https = usesHttps(config.issuer);
  // The provider runs on our Koa context (mounted as middleware), so its signed cookies use our app's keys.
  const app = new Koa({ proxy: config.trustProxy, keys: container.provider.keys as string[] });
  const csrf = csrfProtection(config.secret, https);

  app.use(requestLogger(logger));
  app.use(securityHeaders(https));
  app.use(localeMiddleware(https));
  app.use(healthRoutes(db.orm).routes());
  app.use(staticRoutes().routes());

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
    verifyCsrf: csrf.verify,
    audit: (event) => container.audit.recordAlone(db.orm.em, event),
    logger,
    settings: {
      registration: config.registration,
      passwordPolicy: container.passwordPolicy,
      rateLimits: config.rateLimits,
      secureCookies: https,
      deviceCookieName: https ? '__Host-kontor.device' : 'kontor.device',
      minimumResponseMs: MINIMUM_RESPONSE_MS,
    },
  };
  const interactions = interactionRoutes(deps, pageMiddleware);
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  const journeys = publicRoutes(deps, pageMiddleware);
  app.use(journeys.routes());
  app.use(journeys.allowedMethods());
  if (config.env === 'development' && config.devFeatures) app.use(devMailRoutes(container.outbox, views, pageMiddleware).routes());

  app.use(container.live.middleware);
  return app;
}
