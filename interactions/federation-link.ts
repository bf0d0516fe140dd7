import type { Context } from 'koa';
import type { FederatedAccounts, FederationService, UpstreamDirectory } from '../src/federation/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import { browserToken } from './federation-context.ts';

/**
 * The finish of "link my account" (login-flow.ts `finishLogin`): the account's own login in this
 * interaction is complete, so the upstream identity verified for this interaction and browser joins it.
 * An identity that ran out or was used meanwhile, or that another account holds, stops the login with a
 * page that says so (`federation.link_expired`, `federation.identity_taken`), never a silent link.
 */
export function linkPending(parts: { directory: UpstreamDirectory; service: FederationService; accounts: FederatedAccounts; secureCookies: boolean }) {
  return async (ctx: Context, requestId: string, accountId: string): Promise<void> => {
    const uid = (ctx.params as { uid?: string } | undefined)?.uid ?? '';
    const identity = await parts.service.identity(requestId, uid, browserToken(ctx, parts.secureCookies));
    const upstream = identity && parts.directory.get(identity.upstreamId);
    if (!identity || !upstream) throw new AppError('federation.link_expired', 400);
    const clientId = typeof ctx.state.clientId === 'string' ? ctx.state.clientId : null;
    try {
      await parts.accounts.link({ requestId, accountId, upstream, identity, ip: ctx.ip, clientId });
    } catch (error) {
      if (error instanceof AppError && error.code === 'federation.request_used') throw new AppError('federation.link_expired', 400);
      throw error;
    }
  };
}
