import type { Context } from 'koa';
import type { ChangeOutcome } from '../../src/credentials/index.ts';
import { errorSummary, fieldMessages, type FormField } from '../../src/http/validate.ts';
import type { Translate } from '../../src/i18n/index.ts';
import { waitText } from '../abuse-protection.ts';
import type { AccountAreaDeps } from './account-deps.ts';
import { redirectDone, renderAccountPage } from './account-page.ts';

/** The code field's errors as the enrolment pages show them (a wrong code; too many, with the wait). */
export function codeErrors(t: Translate, label: string, extra: { fieldErrors?: Record<string, string>; waitSeconds?: number }) {
  const fields: FormField[] = [{ name: 'code', label }];
  const errors = fieldMessages(t, fields, extra.fieldErrors ?? {});
  if (extra.waitSeconds) errors.code = t('enrol.throttled', { wait: waitText(t, extra.waitSeconds) });
  return { errors, errorList: errorSummary(errors, fields) };
}

/**
 * A confirmed change: a first factor shows its ten recovery codes once, in the answer to this POST (they
 * are never stored where a later request could read them); anything else returns to the dashboard with
 * its notice.
 */
export function changed(deps: AccountAreaDeps, ctx: Context, outcome: Extract<ChangeOutcome, { kind: 'changed' }>): void {
  if (outcome.recoveryCodes) {
    showNewCodes(deps, ctx, outcome.recoveryCodes, 'account.second_factor.codes_enrolled_done');
    return;
  }
  const key = outcome.change.startsWith('enrolled') ? 'enrolled' : outcome.change;
  redirectDone(ctx, `second_factor_${key}`);
}

export function showNewCodes(deps: AccountAreaDeps, ctx: Context, codes: string[], doneKey: string): void {
  renderAccountPage(deps, ctx, 'account/second-factor-codes-new', { codes, count: codes.length, doneKey }, { title: 'account.second_factor.codes_title' });
}
