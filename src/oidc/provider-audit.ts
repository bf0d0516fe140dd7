import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * Audit events for what oidc-provider does on its own. RP-initiated logout (OIDC RP-Initiated Logout 1.0
 * §2) deletes the session and revokes grants in the provider's handler, outside any transaction of ours;
 * its `end_session.success` event is the one place that knows the account, the portal and the choice.
 * The event is written on its own right after (listeners cannot be awaited); a failure is logged.
 */
export function auditProviderEvents(provider: Provider, audit: AuditLog, em: EntityManager, logger: Logger): void {
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (!accountId) return; // nobody was logged in: nothing ended
    audit
      .recordAlone(em, {
        type: 'session.ended',
        accountId,
        clientId: ctx.oidc.client?.clientId ?? null,
        ip: ctx.ip,
        // `logout` set: the person chose to log out everywhere, the session is gone; otherwise only this
        // portal's part of it ended (oidc-provider keeps the session for the others).
        details: { reason: 'logout', everywhere: Boolean(ctx.oidc.params?.logout) },
      })
      .catch((error: unknown) => logger.error({ err: error }, 'audit of a logout failed'));
  });
}
