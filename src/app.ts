import Koa from 'koa';
import type { Container } from './container.ts';
import { csrfProtection } from './http/csrf.ts';
import { errorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.routes.ts';
import { localeMiddleware } from './http/locale.ts';
import { requestLogger } from './http/request-logger.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticRoutes } from './http/static.routes.ts';
import { interactionRoutes } from '../interactions/routes.ts';
import { usesHttps } from './shared/urls.ts';

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
  const interactions = interactionRoutes(
    {
      get provider() {
        return container.provider; // follows key reloads (LiveProvider)
      },
      views, passwords: container.passwords, verifyCsrf: csrf.verify, logger,
    },
    pageMiddleware,
  );
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());

  app.use(container.live.middleware);
  return app;
}
