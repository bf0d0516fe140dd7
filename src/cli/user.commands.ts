import type { Container } from '../container.ts';
import { emailAddress } from '../accounts/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { CommandOutput, Flags } from './command-output.ts';

function emailOf(flags: Flags): string {
  const parsed = emailAddress.safeParse(typeof flags.email === 'string' ? flags.email : '');
  if (!parsed.success) throw new AppError('cli.invalid_email', 64, ['give the account with --email E']);
  return parsed.data;
}

/**
 * `user lock` and `user unlock` (issue 17 item 8): an operator locks an account (a suspected takeover the
 * person reported by phone, say) or unlocks one whose owner lost the mailed link. The audit event names the
 * operator as actor; both send the same mails as the person's own lock and unlock. An unknown address is an
 * error here (exit 1): operators are not the enumeration risk the public pages guard against.
 */
export async function runUserCommand(command: 'user lock' | 'user unlock', flags: Flags, container: Container): Promise<CommandOutput> {
  const email = emailOf(flags);
  if (command === 'user lock') {
    const outcome = await container.accountLock.lockByOperator(email);
    if (!outcome.accountId) throw new AppError('account.not_found', 1, [`no account with the address ${email}`]);
    if (outcome.kind === 'unchanged')
      return { data: { id: outcome.accountId, status: outcome.status, changed: false }, text: `account ${outcome.accountId} is ${outcome.status}: not locked` };
    return {
      data: { id: outcome.accountId, status: 'locked', changed: true, sessions_ended: outcome.sessionsEnded },
      text: `locked account ${outcome.accountId}; ${outcome.sessionsEnded} session(s) ended; the owner was mailed an unlock link`,
    };
  }
  const outcome = await container.accountLock.unlockByOperator(email);
  if (!outcome.accountId) throw new AppError('account.not_found', 1, [`no account with the address ${email}`]);
  if (outcome.kind === 'unchanged')
    return { data: { id: outcome.accountId, status: outcome.status, changed: false }, text: `account ${outcome.accountId} is ${outcome.status}: not unlocked` };
  return { data: { id: outcome.accountId, status: 'active', changed: true }, text: `unlocked account ${outcome.accountId}; the owner can log in again` };
}
