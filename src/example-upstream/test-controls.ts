import Router from '@koa/router';
import type Koa from 'koa';
import { koaBody } from 'koa-body';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { z } from 'zod';
import { resignIdToken } from './keys.ts';
import { upstreamAccountSchema, type UpstreamAccount } from './options.ts';

/** How the upstream misbehaves now; set by POST /__control, kept until changed. */
export interface Behaviour {
  idTokenOverrides: Record<string, unknown>;
  tokenStatus: number | undefined;
  accounts: UpstreamAccount[];
}

const controlBody = z
  .object({
    idTokenOverrides: z.record(z.string(), z.unknown()).optional(),
    tokenStatus: z.number().int().min(200).max(599).nullable().optional(),
    accounts: z.array(upstreamAccountSchema).optional(),
  })
  .strict();

/**
 * Test behaviour (only with `testControls`): the token endpoint answering an error status, the ID token it
 * returns changed after the fact, other accounts. Each key given replaces that part; `{}` restores
 * everything as started. The control answers with the behaviour now in force (accounts by username).
 */
export function controlRoutes(behaviour: Behaviour, initialAccounts: UpstreamAccount[], sessions: SessionIndex): Router {
  const router = new Router({ prefix: '/__control' });
  router.post('/', koaBody({ json: true, urlencoded: false, text: false, multipart: false }), (ctx) => {
    const parsed = controlBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_control', issues: parsed.error.issues };
      return;
    }
    const change = parsed.data;
    if (Object.keys(change).length === 0) Object.assign(behaviour, { idTokenOverrides: {}, tokenStatus: undefined, accounts: initialAccounts });
    if (change.idTokenOverrides) behaviour.idTokenOverrides = change.idTokenOverrides;
    if (change.tokenStatus !== undefined) behaviour.tokenStatus = change.tokenStatus ?? undefined;
    if (change.accounts) behaviour.accounts = change.accounts;
    ctx.body = {
      idTokenOverrides: behaviour.idTokenOverrides,
      tokenStatus: behaviour.tokenStatus ?? null,
      accounts: behaviour.accounts.map((a) => a.username),
    };
  });
  // Ends the account's sessions the way a logout at the upstream would, so back-channel logout fires.
  router.get('/logout', async (ctx) => {
    const sub = typeof ctx.query.sub === 'string' ? ctx.query.sub : '';
    if (!sub) ctx.throw(400, 'sub is required');
    ctx.body = { ended: await sessions.endSessionsOf(sub) };
  });
  return router;
}

/**
 * In front of the token endpoint: an error status instead of tokens (RFC 6749 §5.2 error body), or, after
 * the provider answered 200, the ID token re-signed with the overrides applied.
 */
export function tokenMisbehaviour(behaviour: Behaviour, keys: JWK[]): Koa.Middleware {
  return async (ctx, next) => {
    const isToken = ctx.method === 'POST' && ctx.path === '/token';
    if (isToken && behaviour.tokenStatus && behaviour.tokenStatus !== 200) {
      ctx.status = behaviour.tokenStatus;
      ctx.body = { error: behaviour.tokenStatus >= 500 ? 'server_error' : 'invalid_grant', error_description: 'set by the test control' };
      return;
    }
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (isToken && ctx.status === 200 && typeof body?.id_token === 'string' && Object.keys(behaviour.idTokenOverrides).length) {
      ctx.body = { ...body, id_token: await resignIdToken(body.id_token, behaviour.idTokenOverrides, keys) };
    }
  };
}

/** oidc-provider's Client has this method (lib/models/client.js); its type definitions leave it out. */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/**
 * The session ids each account's authorizations ran in, noted on `authorization.success` (the in-memory
 * adapter cannot be searched by account). Ids that a logout or a new login replaced find nothing later.
 */
export class SessionIndex {
  private readonly ids = new Map<string, Set<string>>();
  private readonly provider: Provider;

  constructor(provider: Provider) {
    this.provider = provider;
    provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session;
      if (!session?.accountId) return;
      const ids = this.ids.get(session.accountId) ?? new Set<string>();
      ids.add(session.jti);
      this.ids.set(session.accountId, ids);
    });
  }

  /**
   * Ends every session of `sub`: each client with a back-channel logout URI that the session logged in is
   * sent a logout token (OIDC Back-Channel Logout 1.0 §2.5), then the session is destroyed. Returns how many ended.
   */
  async endSessionsOf(sub: string): Promise<number> {
    let ended = 0;
    for (const id of this.ids.get(sub) ?? []) {
      const session = await this.provider.Session.find(id);
      if (!session || session.accountId !== sub) continue;
      for (const clientId of Object.keys(session.authorizations ?? {})) {
        const client = (await this.provider.Client.find(clientId)) as unknown as BackchannelClient | undefined;
        if (!client?.backchannelLogoutUri) continue;
        await client
          .backchannelLogout(sub, session.sidFor(clientId) ?? '')
          .catch((error: unknown) => process.stderr.write(`back-channel logout to ${clientId} failed: ${String(error)}\n`));
      }
      await session.destroy();
      ended += 1;
    }
    this.ids.delete(sub);
    return ended;
  }
}
