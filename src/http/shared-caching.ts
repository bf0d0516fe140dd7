import type { Context, Next } from 'koa';

/** The discovery document changes only when the configuration does, i.e. with a restart. */
const DISCOVERY_MAX_AGE_SECONDS = 3600;

/**
 * Cache-Control for the provider's public documents, so shared caches and relying parties need not fetch
 * them per login. Safe to share since every URL in them comes from the issuer, not the request (see
 * host-pinning.ts).
 *
 * The JWKS max-age must stay below the key pre-announcement time. A rotated key is published at once
 * and signs two reload periods (2R) later (src/oidc/keys, `keys rotate`); each instance picks it up within
 * R. A copy cached from an instance that had not reloaded yet (up to R after the rotation) is served until
 * R + max-age, and must expire before the key signs at 2R: max-age < R. Half a period leaves room for slow
 * reloads and clock skew. (`keys rotate --now` has no pre-announcement; relying parties refetch on an
 * unknown kid, and a shared cache delays that by at most R/2.)
 */
export function sharedCaching(keyReloadSeconds: number) {
  const maxAges = new Map([
    ['/.well-known/openid-configuration', DISCOVERY_MAX_AGE_SECONDS],
    ['/jwks', Math.floor(keyReloadSeconds / 2)],
  ]);
  return async (ctx: Context, next: Next) => {
    await next();
    const maxAge = maxAges.get(ctx.path);
    if (maxAge !== undefined && ctx.status === 200 && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', `public, max-age=${maxAge}`);
    }
  };
}
