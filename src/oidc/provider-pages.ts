import type { KoaContextWithOIDC, errors } from 'oidc-provider';
import type { Views } from '../http/views.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * The provider's own pages (logout confirmation, logged out, protocol errors) in our layout and language.
 * The logout form carries the provider's xsrf value, which it checks on submission.
 */
export function logoutPage(views: Views, ctx: KoaContextWithOIDC): void {
  const session = ctx.oidc.session;
  views.render(
    ctx as never,
    'logout/confirm',
    {
      action: ctx.oidc.urlFor('end_session_confirm'),
      xsrf: (session?.state as { secret?: string } | undefined)?.secret,
      clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId,
    },
    { title: 'logout.title' },
  );
}

export function loggedOutPage(views: Views, ctx: KoaContextWithOIDC): void {
  const client = ctx.oidc.client;
  views.render(ctx as never, 'logout/done', { clientName: client?.clientName }, { title: 'logout.done_title' });
}

export function errorPage(views: Views, logger: Logger, ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: errors.OIDCProviderError | Error): void {
  const status = 'status' in error && typeof error.status === 'number' ? error.status : 500;
  // Server errors are logged with their stack by the provider's server_error event (provider.ts).
  logger.info({ error: out.error, description: out.error_description, path: ctx.path, status }, 'protocol error');
  views.render(ctx as never, 'error', { messageKey: 'error.protocol', protocolError: out.error, protocolDescription: out.error_description }, { status, title: 'error.title' });
}
