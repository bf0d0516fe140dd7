import type { KoaContextWithOIDC, errors } from 'oidc-provider';
import type { Logger } from '../shared/logger.ts';
// oidc-provider's end_session confirmation handlers (9.x, no typings); used here only, see endSessionUnasked.
// @ts-expect-error the package ships no declarations for its action modules
import { confirm as endSessionConfirm } from 'oidc-provider/lib/actions/end_session.js';

/**
 * The provider's own pages (logout question, logged out, protocol errors) in our layout and language.
 * The logout form carries the provider's xsrf value, which it checks on submission.
 */
/**
 * The page renderer these pages need (src/http's Views is one): the protocol module names only this, so it
 * depends on no web-layer module (dependency rule in .dependency-cruiser.cjs).
 */
export interface PageRenderer {
  render(ctx: never, page: string, model: Record<string, unknown>, options: { title: string; status?: number }): void;
}

export async function logoutPage(views: PageRenderer, ctx: KoaContextWithOIDC, subjectOf: SubjectOf): Promise<void> {
  const session = ctx.oidc.session;
  const client = ctx.oidc.client;
  if (await hintNamesThisSession(ctx, subjectOf)) return endSessionUnasked(ctx);
  views.render(
    ctx as never,
    'logout/confirm',
    {
      action: ctx.oidc.urlFor('end_session_confirm'),
      xsrf: (session?.state as { secret?: string } | undefined)?.secret,
      clientName: client ? (client.clientName ?? client.clientId) : undefined,
    },
    { title: 'logout.title' },
  );
}

/** The `sub` a portal's ID tokens carry for an account (pairwise or public, provider.ts). */
export type SubjectOf = (accountId: string, client: NonNullable<KoaContextWithOIDC['oidc']['client']>) => string | Promise<string>;

/**
 * Whether the portal proved which login it logs out of: oidc-provider has checked the id_token_hint's
 * signature and audience (expired ones are fine, RP-Initiated Logout 1.0 §2). The token must also belong
 * to this browser's session at that portal (its `sid` where the portal gets one, else its `sub` and
 * `auth_time` of this session's login there), so a foreign token cannot end a session unasked (§6).
 */
async function hintNamesThisSession(ctx: KoaContextWithOIDC, subjectOf: SubjectOf): Promise<boolean> {
  const hint = (ctx.oidc.entities as { IdTokenHint?: { payload?: { sid?: unknown; sub?: unknown; auth_time?: unknown } } }).IdTokenHint;
  const { session, client } = ctx.oidc;
  if (!hint?.payload || !client || !session?.accountId || !session.authorizations?.[client.clientId]) return false;
  if (typeof hint.payload.sid === 'string') return session.sidFor(client.clientId) === hint.payload.sid;
  // Without a sid, the token's auth_time ties it to this very login (OIDC Core §2: the session's login time).
  return hint.payload.sub === (await subjectOf(session.accountId, client)) && hint.payload.auth_time === session.loginTs;
}

/**
 * Logs out everywhere without asking: the portal's logout button was the person's decision. A page of ours
 * cannot submit the provider's form by itself (our CSP runs no script), so the request is handed to the
 * provider's own confirmation step as if that form had been sent with "logout=yes": the same back-channel
 * notifications, grant revocation, session deletion, audit event and redirect to post_logout_redirect_uri.
 * The xsrf check is skipped because no form left the server; the session state it protects was written by
 * this very request (end_session.js `renderLogout`).
 */
async function endSessionUnasked(ctx: KoaContextWithOIDC): Promise<void> {
  (ctx.oidc.params as Record<string, unknown>).logout = 'yes';
  const endSession = endSessionConfirm.at(-1) as (ctx: KoaContextWithOIDC) => Promise<void>;
  await endSession(ctx);
}

/** "Sie sind abgemeldet", with the next step: back to the portal when it is known, else the start page. */
export async function loggedOutPage(views: PageRenderer, ctx: KoaContextWithOIDC): Promise<void> {
  const client = ctx.oidc.client;
  const clientUri = (client?.initiateLoginUri ?? client?.clientUri) as string | undefined;
  const back = client && clientUri ? { url: clientUri, name: client.clientName ?? client.clientId } : { url: '/' };
  views.render(ctx as never, 'logout/done', { clientName: client?.clientName, back }, { title: 'logout.done_title' });
}

export function errorPage(
  views: PageRenderer,
  logger: Logger,
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
  error: errors.OIDCProviderError | Error,
): void {
  const status = 'status' in error && typeof error.status === 'number' ? error.status : 500;
  // Server errors are logged with their stack by the provider's server_error event (provider.ts).
  logger.info({ error: out.error, description: out.error_description, path: ctx.path, status }, 'protocol error');
  views.render(
    ctx as never,
    'error',
    { messageKey: 'error.protocol', headingKey: 'error.heading', protocolError: out.error, protocolDescription: out.error_description },
    { status, title: 'error.title' },
  );
}
