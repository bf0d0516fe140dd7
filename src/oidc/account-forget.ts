import type { EntityManager } from '@mikro-orm/sql';

/**
 * Artifacts that name an account only inside their payload: oidc-provider's Interaction keeps it under
 * `session` and in the login result, a pushed request may carry the address as `login_hint`. They have no
 * `account_id` column value, so the indexed delete cannot find them; the kinds are few and short-lived.
 */
const PAYLOAD_ONLY_KINDS = ['Interaction', 'PushedAuthorizationRequest'];

/**
 * Account deletion's step for this domain (issue 17 item 9), in the caller's transaction and after
 * `AccountSignOut.endEverything` (which tells the portals): nothing of the account may stay in
 * `oidc_payload`. Deletes what the account id column names (anything issued since the sign-out) and the
 * payload-only artifacts whose payload contains the account id or one of `personal` (its address, login
 * name), case-insensitively. Returns the rows deleted.
 */
export async function forgetAccountArtifacts(tx: EntityManager, accountId: string, personal: string[]): Promise<number> {
  const indexed = await tx.execute<{ affectedRows: number }>('delete from oidc_payload where account_id = ?', [accountId], 'run');
  const needles = [accountId, ...personal].filter((value) => value.trim().length >= 3).map((value) => `%${escapeLike(value.trim())}%`);
  const inPayload = await tx.execute<{ affectedRows: number }>(
    `delete from oidc_payload where kind = any(?::text[]) and payload::text ilike any(?::text[])`,
    [`{${PAYLOAD_ONLY_KINDS.join(',')}}`, toArrayLiteral(needles)],
    'run',
  );
  return indexed.affectedRows + inPayload.affectedRows;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A PostgreSQL text[] literal with every element quoted (addresses may hold commas or braces). */
function toArrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`).join(',')}}`;
}
