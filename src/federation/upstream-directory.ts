import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import type { UpstreamConfig } from '../../config/federation.ts';
import { isLoopbackHost } from '../shared/urls.ts';
import type { AuthenticationLevel } from '../trust/index.ts';
import { acrValuesFor, highestLevel } from './trust-mapping.ts';

/** What the chooser shows of one upstream. */
export interface UpstreamChoice {
  id: string;
  name: { de: string; en?: string };
  searchTerms: string[];
  /** Whether a login there can reach what the portal needs (its ceiling and acr mapping allow it). */
  reaches: boolean;
}

/** The upstream could not be reached or its discovery document is unusable: a page, never a 500. */
export class UpstreamUnavailable extends Error {}

/**
 * The configured upstream providers and, per upstream, its openid-client configuration: discovered on first
 * use (never at start: an upstream that is down must not keep Kontor from starting) and cached; a failed
 * discovery is not cached, so the next attempt tries again.
 */
export class UpstreamDirectory {
  private readonly upstreams: Map<string, UpstreamConfig>;
  private readonly discovered = new Map<string, Promise<client.Configuration>>();
  private readonly allowLoopbackHttp: boolean;

  constructor(upstreams: UpstreamConfig[], options: { allowLoopbackHttp: boolean }) {
    this.upstreams = new Map(upstreams.filter((upstream) => upstream.enabled).map((upstream) => [upstream.id, upstream]));
    this.allowLoopbackHttp = options.allowLoopbackHttp;
  }

  get any(): boolean {
    return this.upstreams.size > 0;
  }

  get(id: string): UpstreamConfig | undefined {
    return this.upstreams.get(id);
  }

  /** The upstream with this issuer (back-channel logout tokens name it). */
  byIssuer(issuer: string): UpstreamConfig | undefined {
    return [...this.upstreams.values()].find((upstream) => upstream.issuer === issuer);
  }

  /** The chooser's list, in configuration order, with whether each reaches the level the portal needs. */
  choices(required: AuthenticationLevel | undefined): UpstreamChoice[] {
    return [...this.upstreams.values()].map((upstream) => ({
      id: upstream.id,
      name: upstream.name,
      searchTerms: upstream.searchTerms ?? [],
      reaches: required === undefined ? highestLevel(upstream.trust) !== undefined : acrValuesFor(upstream.trust, required).length > 0,
    }));
  }

  /** The upstream's openid-client configuration (OpenID Connect Discovery 1.0), discovered once. */
  async configurationOf(upstream: UpstreamConfig): Promise<client.Configuration> {
    let pending = this.discovered.get(upstream.id);
    if (!pending) {
      pending = this.discover(upstream);
      this.discovered.set(upstream.id, pending);
      pending.catch(() => this.discovered.delete(upstream.id));
    }
    try {
      return await pending;
    } catch (error) {
      throw new UpstreamUnavailable(`discovery of ${upstream.issuer} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private async discover(upstream: UpstreamConfig): Promise<client.Configuration> {
    const issuer = new URL(upstream.issuer);
    // Plain http only for an upstream on this machine in development and tests (the demo providers).
    const insecure = issuer.protocol === 'http:' && this.allowLoopbackHttp && isLoopbackHost(issuer.hostname);
    const configuration = await client.discovery(issuer, upstream.clientId, undefined, clientAuthOf(upstream), {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: 5,
    });
    configuration.timeout = 5;
    return configuration;
  }
}

/** `client_secret_basic` (RFC 6749 §2.3.1) or `private_key_jwt` (RFC 7523, OIDC Core §9) with the configured key. */
function clientAuthOf(upstream: UpstreamConfig): client.ClientAuth {
  const auth = upstream.clientAuth;
  if (auth.method === 'client_secret_basic') return client.ClientSecretBasic(auth.secret);
  const key = createPrivateKey(readFileSync(auth.keyFile, 'utf8'));
  const algorithm = {
    RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
    ES256: { name: 'ECDSA', namedCurve: 'P-256' },
    EdDSA: { name: 'Ed25519' },
  }[auth.alg];
  const cryptoKey = key.toCryptoKey(algorithm, false, ['sign']);
  // node:crypto's and the DOM's CryptoKey types differ only in usages newer than WebCrypto Level 2.
  return client.PrivateKeyJwt(cryptoKey as unknown as Parameters<typeof client.PrivateKeyJwt>[0]);
}
