import type { EntityManager } from '@mikro-orm/sql';
import { normalizeEmail } from '../accounts/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { person, recordChange } from './organisation-support.ts';
import { allUuids } from './organisation.repository.ts';

/** An organisation that would be left without an admin if the person's account went. */
export interface AdminDuty {
  id: string;
  name: string;
}

/**
 * The organisations' part of deleting an account (issue 17 item 9 × issue 19; GDPR Art. 17). An organisation
 * must keep an admin (seed 001): the last admin of an organisation with other members first names another
 * admin or deletes the organisation ({@link blockers}). An organisation whose only member is the person goes
 * with the account. Everything else of the person in this domain's tables is removed or loses their id.
 */
export class OrganisationAccountRemoval {
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  /** Organisations where the person is the only admin while others are members (deletion must wait). */
  async blockers(accountId: string, em: EntityManager = this.deps.em.fork()): Promise<AdminDuty[]> {
    if (!allUuids(accountId)) return [];
    return em.execute<AdminDuty[]>(
      `select o.id, o.name from organisation o
         join organisation_membership m on m.organisation_id = o.id and m.account_id = ? and m.role = 'admin'
        where not exists (select 1 from organisation_membership a where a.organisation_id = o.id and a.role = 'admin' and a.account_id <> ?)
          and exists (select 1 from organisation_membership x where x.organisation_id = o.id and x.account_id <> ?)
        order by o.name`,
      [accountId, accountId, accountId],
      'all',
    );
  }

  /**
   * In the deletion's transaction: refuses (`organisation.last_admin_account`) while {@link blockers} names
   * one; deletes the organisations the person is the only member of (their invitations' links voided);
   * removes memberships (assignments, group memberships and role requests cascade), join requests, login
   * choices, invitations to the person's address or sent or accepted by them; forgets who decided requests
   * and subscriptions. Returns the rows removed or rewritten.
   */
  async forgetAccount(tx: EntityManager, accountId: string, email: string): Promise<number> {
    if (!allUuids(accountId)) return 0;
    if ((await this.blockers(accountId, tx)).length) throw new AppError('organisation.last_admin_account', 409);
    const run = (sql: string, params: unknown[]) => tx.execute<{ affectedRows: number }>(sql, params, 'run').then((result) => result.affectedRows ?? 0);
    const alone = await tx.execute<Array<{ id: string; name: string }>>(
      `select o.id, o.name from organisation o join organisation_membership m on m.organisation_id = o.id and m.account_id = ?
        where not exists (select 1 from organisation_membership x where x.organisation_id = o.id and x.account_id <> ?)`,
      [accountId, accountId],
      'all',
    );
    const orphanIds = alone.map((row) => row.id);
    // A PostgreSQL array literal (the driver would spread a JS array into a list); the ids are UUIDs.
    const orphans = `{${orphanIds.join(',')}}`;
    const links = await tx.execute<Array<{ link_id: string }>>(
      `select link_id from organisation_invitation
        where status = 'pending' and (organisation_id = any(?::uuid[]) or invited_by = ? or email_normalized = ?)`,
      [orphans, accountId, normalizeEmail(email)],
      'all',
    );
    await this.deps.verification.voidAddressLinks(
      tx,
      links.map((row) => row.link_id),
    );
    // The audit trail keeps that the organisation was deleted, by whom (pseudonymised with the account).
    for (const row of alone)
      recordChange(this.deps, tx, person(accountId), 'organisation.deleted', row.id, { name: row.name, members: 1, via: 'account_deleted' });
    // Written now, so the audit step that runs last in the same transaction finds and pseudonymises it.
    await tx.flush();
    let count = orphanIds.length ? await run('delete from organisation where id = any(?::uuid[])', [orphans]) : 0;
    count += await run('delete from organisation_invitation where invited_by = ? or accepted_by = ? or email_normalized = ?', [
      accountId,
      accountId,
      normalizeEmail(email),
    ]);
    count += await run('delete from organisation_membership where account_id = ?', [accountId]);
    count += await run('delete from organisation_join_request where account_id = ?', [accountId]);
    count += await run('delete from organisation_choice where account_id = ?', [accountId]);
    count += await run('update organisation_join_request set decided_by = null where decided_by = ?', [accountId]);
    count += await run('update organisation_role_request set decided_by = null where decided_by = ?', [accountId]);
    count += await run('update organisation_subscription set decided_by = null where decided_by = ?', [accountId]);
    return count;
  }
}
