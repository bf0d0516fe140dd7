import type Provider from 'oidc-provider';
import compose from 'koa-compose';
import type { JWK } from 'jose';
import type { KeyService } from './keys/key.service.ts';

/** The provider's request handler as the app mounts it (a Koa middleware; typed without importing Koa). */
type ProviderMiddleware = Provider['middleware'][number];

/**
 * oidc-provider fixes its keys when it is built. To follow key rotation without a restart, each instance
 * reloads the published keys periodically and, when they changed (a key added, activated or expired),
 * builds a fresh provider on the same storage and swaps it in. Requests in flight finish on the old one;
 * sessions, interactions and cookies carry over because they live in the database and use the same keys.
 */
export class LiveProvider {
  private readonly build: (jwks: JWK[]) => Provider;
  private readonly keys: KeyService;
  private provider: Provider;
  private composed: ProviderMiddleware;
  private fingerprint: string;

  private constructor(build: (jwks: JWK[]) => Provider, keys: KeyService, provider: Provider, fingerprint: string) {
    this.build = build;
    this.keys = keys;
    this.provider = provider;
    this.composed = compose(provider.middleware as ProviderMiddleware[]);
    this.fingerprint = fingerprint;
  }

  static async create(build: (jwks: JWK[]) => Provider, keys: KeyService): Promise<LiveProvider> {
    const published = await keys.loadPublished();
    return new LiveProvider(build, keys, build(published.jwks), published.fingerprint);
  }

  get current(): Provider {
    return this.provider;
  }

  /** Koa middleware that hands the request to the current provider. */
  readonly middleware: ProviderMiddleware = (ctx, next) => this.composed(ctx, next);

  /** Reloads the keys; returns true when a new provider took over. */
  async refresh(now = new Date()): Promise<boolean> {
    const published = await this.keys.loadPublished(now);
    if (published.fingerprint === this.fingerprint) return false;
    const provider = this.build(published.jwks);
    this.provider = provider;
    this.composed = compose(provider.middleware as ProviderMiddleware[]);
    this.fingerprint = published.fingerprint;
    return true;
  }
}
