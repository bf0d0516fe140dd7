import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { ReleaseLedger, LedgerRow } from '../src/consent/index.ts';
import { consentModeOf, type AccountSignOut } from '../src/oidc/index.ts';
import type { Views } from '../src/http/views.ts';
import type { Translate } from '../src/i18n/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import { ACCOUNT_CLIENT_ID } from '../src/self-service/index.ts';
import type { AccountAreaContext } from './account/account-deps.ts';
import { dataAccessQuery, revokeForm } from './data-access.schemas.ts';

/** What "Datenzugriff verwalten" needs: the ledger, the grants and their withdrawal, the clients' names. */
export interface DataAccessDeps {
  provider: Provider;
  views: Views;
  releases: Pick<ReleaseLedger, 'byService'>;
  signOut: Pick<AccountSignOut, 'grantedClients' | 'revokeClient'>;
  /** IANA zone the release times are shown in (config `timeZone`). */
  timeZone: string;
}

/** A claim's label: the composer's `claim.*`, else the consent page's, else its protocol name. */
function claimLabel(t: Translate, name: string): string {
  for (const key of [`claim.${name}`, `consent.claim.${name}`]) if (t.has(key)) return t(key);
  return name;
}

function releaseView(t: Translate, format: Intl.DateTimeFormat, row: LedgerRow) {
  return {
    at: format.format(row.releasedAt),
    iso: row.releasedAt.toISOString(),
    use: t(`ledger.use.${row.use}`),
    claims: row.claims.map((claim) => ({
      label: claimLabel(t, claim.name),
      level: t.has(`ledger.level.${claim.level}`) ? t(`ledger.level.${claim.level}`) : claim.level,
    })),
  };
}

/** The portals of an account's grants; "Mein Bereich" itself is Kontor, not a portal that receives data. */
async function portalGrants(deps: DataAccessDeps, accountId: string): Promise<string[]> {
  return (await deps.signOut.grantedClients(accountId)).filter((clientId) => clientId !== ACCOUNT_CLIENT_ID);
}

/**
 * GET /account/data-access — "Datenzugriff verwalten" (seed 004): for the person logged in to the account
 * area (its guard sends everyone else to its login first), the releases by service, newest first, and a
 * withdrawal form for each remembered consent.
 */
export async function showDataAccess(deps: DataAccessDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const [allServices, granted] = await Promise.all([deps.releases.byService(accountId), portalGrants(deps, accountId)]);
  const services = allServices.filter((service) => service.clientId !== ACCOUNT_CLIENT_ID);
  const t = deps.views.translator(ctx);
  const locale = ctx.state.locale === 'en' ? 'en-GB' : 'de-DE';
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: deps.timeZone });
  const clientIds = [...services.map((service) => service.clientId), ...granted.filter((id) => !services.some((s) => s.clientId === id))];
  const views = await Promise.all(
    clientIds.map(async (clientId) => {
      const releases = services.find((service) => service.clientId === clientId)?.releases ?? [];
      const client = await clientOf(deps.provider, clientId);
      // A grant of an every-time portal is not a remembered consent, but its tokens may still fetch data:
      // the same withdrawal ends them, under words that fit (no "ohne erneute Nachfrage").
      const remembered = granted.includes(clientId) && client?.mode !== 'every_time';
      return {
        clientId,
        name: client?.name ?? clientId,
        purpose: releases[0]?.purpose ?? undefined,
        remembered,
        tokensOnly: granted.includes(clientId) && !remembered,
        releases: releases.map((row) => releaseView(t, format, row)),
      };
    }),
  );
  const revoked = dataAccessQuery.parse(ctx.query).revoked;
  deps.views.render(
    ctx,
    'data-access/index',
    { services: views, empty: views.length === 0, revokedName: revoked ? await nameOf(deps.provider, revoked) : undefined },
    { title: 'ledger.title' },
  );
}

/** POST /account/data-access/revoke — withdraws the remembered consent of one portal, then 303 to the page. */
export async function submitRevoke(deps: DataAccessDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const form = revokeForm.safeParse(ctx.request.body ?? {});
  if (!form.success) throw new AppError('ledger.unknown_service', 400);
  const clientId = form.data.client_id;
  // Only a consent this account holds: nothing to withdraw (a stale page, a forged id) is said so.
  if (!(await portalGrants(deps, accountId)).includes(clientId)) throw new AppError('ledger.unknown_service', 404);
  await deps.signOut.revokeClient(accountId, clientId, ctx.ip);
  ctx.status = 303;
  ctx.redirect(`/account/data-access?revoked=${encodeURIComponent(clientId)}`);
}

async function nameOf(provider: Provider, clientId: string): Promise<string> {
  return (await clientOf(provider, clientId))?.name ?? clientId;
}

/** The portal's name and how its consent is kept. */
async function clientOf(provider: Provider, clientId: string): Promise<{ name: string; mode: ReturnType<typeof consentModeOf> } | undefined> {
  const client = await provider.Client.find(clientId).catch(() => undefined);
  if (!client) return undefined;
  return { name: client.clientName ?? clientId, mode: consentModeOf(client.metadata() as Record<string, unknown>) };
}
