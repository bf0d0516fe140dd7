import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID, ACCOUNT_CLIENT_NAME, summariseDevice } from '../../src/self-service/index.ts';
import { AppError } from '../../src/shared/app-error.ts';
import type { Translate } from '../../src/i18n/index.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { clearAccountCookie, sessionCookieName } from './account-cookies.ts';
import { renderAccountPage } from './account-page.ts';
import { endSessionForm, sessionsQuery } from './account.schemas.ts';

/** "Firefox unter Linux", "Firefox", "unter Linux" or "Unbekanntes Gerät": browser family and system, no versions. */
function deviceLabel(t: Translate, userAgent: string | undefined): string {
  const { browser, os } = summariseDevice(userAgent);
  if (browser && os) return t('account.sessions.device', { browser, os });
  if (browser) return browser;
  if (os) return t('account.sessions.device_os', { os });
  return t('account.sessions.device_unknown');
}

/**
 * GET /account/sessions — the account's live login sessions (issue 17 item 7): device and browser, last use,
 * the level the session holds now, the services it logged in to, "this device" marked, and a button to end
 * each one and all others. Reading needs no fresh login.
 */
export async function showSessions(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  const t = deps.views.translator(ctx);
  const format = new Intl.DateTimeFormat(ctx.state.locale === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: deps.settings.timeZone,
  });
  const sessions = await deps.loginSessions.list(account.accountId);
  const rows = await Promise.all(
    sessions.map(async (session) => {
      const services = await Promise.all(
        session.authorizations.map(async ({ clientId }) =>
          clientId === ACCOUNT_CLIENT_ID ? ACCOUNT_CLIENT_NAME : ((await deps.clientName(clientId)) ?? clientId),
        ),
      );
      const lastActive = new Date(session.lastActiveAt * 1000);
      return {
        uid: session.uid,
        current: session.uid === account.session.idpUid,
        device: deviceLabel(t, session.device),
        lastActive: format.format(lastActive),
        lastActiveIso: lastActive.toISOString(),
        level: t(`level.name.${session.level}`),
        services,
      };
    }),
  );
  // This device first: the person recognises the list by it.
  rows.sort((a, b) => Number(b.current) - Number(a.current));
  const ended = sessionsQuery.parse(ctx.query).ended;
  const notice = ended ? `account.sessions.ended_${ended}` : undefined;
  renderAccountPage(deps, ctx, 'account/sessions', { sessions: rows, others: rows.length > 1, notice }, { title: 'account.sessions.title' });
}

/**
 * POST /account/sessions/end — ends one login session (back-channel logout to the portals it logged in to,
 * audit `session.ended`). Ending the one this browser uses ends the account area too.
 */
export async function endOneSession(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  const form = endSessionForm.safeParse(ctx.request.body ?? {});
  if (!form.success) throw new AppError('account.sessions.unknown', 400);
  const ended = await deps.signOut.endSessions(account.accountId, { uids: [form.data.uid] }, 'ended_by_user');
  // Only sessions of this account are touched; a stale or foreign uid is said so.
  if (ended === 0) throw new AppError('account.sessions.unknown', 404);
  ctx.status = 303;
  if (form.data.uid === account.session.idpUid) {
    await deps.areaSessions.end(account.session.id);
    clearAccountCookie(ctx, sessionCookieName(deps.settings.secureCookies), deps.settings.secureCookies);
    ctx.redirect('/account/logged-out');
    return;
  }
  ctx.redirect('/account/sessions?ended=one');
}

/** POST /account/sessions/end-others — ends every login session of the account but this browser's. */
export async function endOtherSessions(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  await deps.signOut.endSessions(account.accountId, { keepUid: account.session.idpUid }, 'ended_by_user');
  ctx.status = 303;
  ctx.redirect('/account/sessions?ended=others');
}
