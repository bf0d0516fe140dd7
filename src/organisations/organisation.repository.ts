import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import type { MembershipRole } from './membership.entity.ts';
import type { SubscriptionStatus } from './service.entity.ts';

/** One organisation of a person, as the chooser and the claims need it. */
export interface MembershipRow {
  organisationId: string;
  name: string;
  role: MembershipRole;
  membershipId: string;
  adminsMayUseServices: boolean;
  /** The person chose it for the client asked about (organisation_choice). */
  chosen: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether every id is a UUID: ids from a page's form or URL are checked before any query (no 500 on junk). */
export function allUuids(...ids: string[]): boolean {
  return ids.every((id) => typeof id === 'string' && UUID.test(id));
}

/** The domain's queries that span its tables (SQL stays here, CONVENTIONS.md §9). */
export class OrganisationRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /**
   * Locks the organisation's row for the rest of the transaction: changes of admins are serialised, so two
   * admins demoting each other at once cannot leave the organisation without one.
   */
  async lock(organisationId: string): Promise<void> {
    if (!allUuids(organisationId)) throw new AppError('organisation.not_admin', 403);
    const rows = await this.em.execute<Array<{ id: string }>>('select id from organisation where id = ? for update', [organisationId], 'all');
    if (!rows.length) throw new AppError('organisation.not_admin', 403);
  }

  /** The person's organisations (name order); `chosen` marks the remembered choice for `clientId`. */
  async membershipsOf(accountId: string, clientId?: string): Promise<MembershipRow[]> {
    if (!allUuids(accountId)) return [];
    const rows = await this.em.execute<
      Array<{ organisation_id: string; name: string; role: MembershipRole; membership_id: string; admins_may_use_services: boolean; chosen: boolean }>
    >(
      `select o.id as organisation_id, o.name, m.role, m.id as membership_id, o.admins_may_use_services,
              coalesce(c.organisation_id = o.id, false) as chosen
         from organisation_membership m
         join organisation o on o.id = m.organisation_id
         left join organisation_choice c on c.account_id = m.account_id and c.client_id = ?
        where m.account_id = ?
        order by o.name, o.id`,
      [clientId ?? '', accountId],
      'all',
    );
    return rows.map((row) => ({
      organisationId: row.organisation_id,
      name: row.name,
      role: row.role,
      membershipId: row.membership_id,
      adminsMayUseServices: row.admins_may_use_services,
      chosen: row.chosen,
    }));
  }

  async membership(organisationId: string, accountId: string): Promise<{ id: string; role: MembershipRole } | undefined> {
    if (!allUuids(organisationId, accountId)) return undefined;
    const rows = await this.em.execute<Array<{ id: string; role: MembershipRole }>>(
      'select id, role from organisation_membership where organisation_id = ? and account_id = ?',
      [organisationId, accountId],
      'all',
    );
    return rows[0];
  }

  async adminCount(organisationId: string): Promise<number> {
    const rows = await this.em.execute<Array<{ count: string }>>(
      `select count(*) as count from organisation_membership where organisation_id = ? and role = 'admin'`,
      [organisationId],
      'all',
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Account ids of the organisation's members, admins first. */
  async memberAccounts(organisationId: string, role?: MembershipRole): Promise<string[]> {
    const rows = await this.em.execute<Array<{ account_id: string }>>(
      `select account_id from organisation_membership where organisation_id = ? ${role ? 'and role = ?' : ''} order by role, created_at`,
      role ? [organisationId, role] : [organisationId],
      'all',
    );
    return rows.map((row) => row.account_id);
  }

  async subscriptionStatus(organisationId: string, clientId: string): Promise<SubscriptionStatus | undefined> {
    const rows = await this.em.execute<Array<{ status: SubscriptionStatus }>>(
      'select status from organisation_subscription where organisation_id = ? and client_id = ?',
      [organisationId, clientId],
      'all',
    );
    return rows[0]?.status;
  }

  /**
   * The roles one membership has for one client, directly and through its groups; `assigned` is false when
   * the service is given to it neither way.
   */
  async rolesFor(membershipId: string, clientId: string): Promise<{ assigned: boolean; roles: string[] }> {
    const rows = await this.em.execute<Array<{ roles: string[] }>>(
      `select a.roles from organisation_service_assignment a
        where a.client_id = ?
          and (a.membership_id = ? or a.group_id in (select group_id from organisation_group_member where membership_id = ?))`,
      [clientId, membershipId, membershipId],
      'all',
    );
    return { assigned: rows.length > 0, roles: [...new Set(rows.flatMap((row) => row.roles))].sort() };
  }

  /** The organisation whose join data these are (name key, postal key), if exactly such one exists; `except` is left out. */
  async findByJoinData(nameKey: string, postalCode: string, except?: string): Promise<{ id: string; registerNumber: string | null } | undefined> {
    const rows = await this.em.execute<Array<{ id: string; register_number: string | null }>>(
      `select id, register_number from organisation where name_key = ? and upper(replace(postal_code, ' ', '')) = ? ${except ? 'and id <> ?' : ''}`,
      except ? [nameKey, postalCode, except] : [nameKey, postalCode],
      'all',
    );
    const row = rows[0];
    return row && { id: row.id, registerNumber: row.register_number };
  }
}
