import type { Context } from 'koa';
import type { FederatedAccounts, FederationService, UpstreamDirectory } from '../src/federation/index.ts';
import { REQUEST_MINUTES } from '../src/federation/index.ts';

/** What the federation pages need beside the interaction's deps (app.ts builds it when upstreams exist). */
export interface FederationDeps {
  directory: UpstreamDirectory;
  service: FederationService;
  accounts: FederatedAccounts;
  /** Links the upstream identity the flow carries (`federationLink`) once the local account's login is complete. */
  linkPending?: (ctx: Context, requestId: string, accountId: string) => Promise<void>;
}

/**
 * The browser-binding cookie of a trip upstream: SameSite=Lax so the top-level return from the upstream
 * carries it (RFC 6265bis §5.4.7.1), path / because the callback is outside /interaction/:uid.
 */
export function federationCookieName(secure: boolean): string {
  return secure ? '__Host-kontor.federation' : 'kontor.federation';
}

export function setBrowserToken(ctx: Context, secure: boolean, token: string): void {
  ctx.cookies.set(federationCookieName(secure), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: REQUEST_MINUTES * 60_000,
    overwrite: true,
    signed: false,
  });
}

export function browserToken(ctx: Context, secure: boolean): string | undefined {
  return ctx.cookies.get(federationCookieName(secure), { signed: false }) ?? undefined;
}
