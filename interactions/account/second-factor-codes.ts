import type { Context } from 'koa';
import { AppError } from '../../src/shared/app-error.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { redirectDone, renderAccountPage } from './account-page.ts';
import { showNewCodes } from './second-factor-outcome.ts';

/** GET /account/second-factor/recovery-codes — says that the new codes replace all old ones, then a button. */
export async function showRecoveryCodes(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const overview = await deps.secondFactorChanges.overviewOf(accountId);
  if (!overview.method) throw new AppError('credential.no_second_factor', 409);
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor-recovery-codes',
    { codesLeft: overview.recoveryCodesLeft },
    { title: 'account.second_factor.codes_title' },
  );
}

/** POST /account/second-factor/recovery-codes — ten new codes, shown once in this answer; the old ones stop working. */
export async function submitRecoveryCodes(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const codes = await deps.secondFactorChanges.replaceRecoveryCodes(accountId, { ip: ctx.ip, clientId: null });
  showNewCodes(deps, ctx, codes, 'account.second_factor.codes_new_done');
}

/**
 * GET /account/second-factor/remove — what removal means (password only; no substanziell), then a button.
 * Where the deployment requires a second factor (`secondFactor.required`) the page says so and offers none.
 */
export async function showRemove(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const overview = await deps.secondFactorChanges.overviewOf(accountId);
  if (!overview.method) throw new AppError('second_factor.none', 409);
  const required = deps.credentialSettings.secondFactorRequired;
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor-remove',
    { required, methodKey: `account.second_factor.method_${overview.method}` },
    { title: 'account.second_factor.remove_title', status: required ? 409 : 200 },
  );
}

/** POST /account/second-factor/remove — the factor and its recovery codes go (the service refuses where one is required). */
export async function submitRemove(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  await deps.secondFactorChanges.removeSecondFactor(accountId, { ip: ctx.ip, clientId: null });
  redirectDone(ctx, 'second_factor_removed');
}
