import type { Container } from '../container.ts';
import { AUDIT_TYPES, type AuditType } from '../audit/index.ts';
import { OUTBOX_STATUSES, type OutboxStatus } from '../mail/index.ts';
import { AppError } from '../shared/app-error.ts';
import { list, type CommandOutput, type Flags } from './command-output.ts';

function limitOf(flags: Flags): number {
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new AppError('cli.invalid_limit', 64, ['--limit takes a whole number from 1 to 1000']);
  return limit;
}

/** `mail list`, `mail retry`, `audit list`: what operators need to see and fix without SQL. */
export async function runOperationsCommand(command: string, flags: Flags, container: Container): Promise<CommandOutput> {
  switch (command) {
    case 'mail list': {
      const status = flags.status as string | undefined;
      if (status !== undefined && !(OUTBOX_STATUSES as readonly string[]).includes(status))
        throw new AppError('mail.unknown_status', 64, [`--status is one of ${OUTBOX_STATUSES.join(', ')}`]);
      const mails = await container.outbox.list({ status: status as OutboxStatus | undefined }, limitOf(flags));
      const text = mails.length
        ? mails
            .map(
              (m) =>
                `${m.id}\t${m.status}\t${m.attempts} attempt(s)\t${m.createdAt.toISOString()}\t${m.recipient}\t${m.subject}${m.lastError ? `\n\tlast error: ${m.lastError}` : ''}`,
            )
            .join('\n')
        : 'no mail';
      return { data: mails, text };
    }
    case 'mail retry': {
      const ids = list(flags.id);
      if (!flags['all-failed'] && ids.length === 0) throw new AppError('mail.retry_needs_target', 64, ['give --id ID (repeatable) or --all-failed']);
      const count = await container.outbox.retry(flags['all-failed'] ? 'all-failed' : ids);
      await container.audit.recordAlone(container.db.orm.em, {
        type: 'mail.retried',
        details: { via: 'cli', requeued: count, ...(flags['all-failed'] ? { allFailed: true } : { ids }) },
      });
      return {
        data: { requeued: count },
        text: `${count} mail(s) queued again; running instances send them within ${container.config.mail.dispatchIntervalSeconds} s`,
      };
    }
    case 'audit list': {
      const type = flags.type as string | undefined;
      if (type !== undefined && !(AUDIT_TYPES as readonly string[]).includes(type))
        throw new AppError('audit.unknown_type', 64, [`--type is one of ${AUDIT_TYPES.join(', ')}`]);
      const account = flags.account as string | undefined;
      if (account !== undefined && !/^[0-9a-f-]{36}$/i.test(account)) throw new AppError('audit.invalid_account', 64, ['--account takes an account id (UUID)']);
      // An account deleted since keeps its events under its pseudonym (issue 17 item 9): the old id finds them.
      const accountIds = account === undefined ? undefined : [account, container.accountDeletion.pseudonymOf(account.toLowerCase())];
      const events = await container.audit.list(container.db.orm.em, { accountId: accountIds, type: type as AuditType | undefined }, limitOf(flags));
      const data = events.map((e) => ({
        id: e.id,
        type: e.type,
        account_id: e.accountId ?? null,
        client_id: e.clientId ?? null,
        ip: e.ip ?? null,
        details: e.details,
        created_at: e.createdAt,
      }));
      const text = data.length
        ? data
            .map((e) => `${e.created_at.toISOString()}\t${e.type}\t${e.account_id ?? '-'}\t${e.client_id ?? '-'}\t${e.ip ?? '-'}\t${JSON.stringify(e.details)}`)
            .join('\n')
        : 'no events';
      return { data, text };
    }
    default:
      throw new AppError('cli.unknown_command', 64, [`unknown command "${command}"`]);
  }
}
