import { defineEntity, p } from '@mikro-orm/core';

/** The two ways claims leave Kontor: inside an ID token, or from the userinfo endpoint. */
export const RELEASE_USES = ['id_token', 'userinfo'] as const;
export type ReleaseUse = (typeof RELEASE_USES)[number];

/** One released claim as the ledger keeps it: its name and the level it was released at, never its value. */
export interface LedgerClaim {
  name: string;
  level: string;
}

/**
 * One release of claims to a portal (issue 16: "the person can always see what left"): who, to which
 * client, how, which claims at which level, why (the client's `sk_purpose` at that moment) and when. No
 * foreign key to `account`: the row must outlive nothing and be found by `account_id` (indexed) when an
 * account is deleted or pseudonymised; `released_at` is indexed for the retention purge.
 */
export const ReleaseLedgerEntrySchema = defineEntity({
  name: 'ReleaseLedgerEntry',
  tableName: 'release_ledger',
  properties: {
    id: p.uuid().primary(),
    accountId: p.string().length(255).index(),
    clientId: p.string().length(255),
    use: p.enum(RELEASE_USES),
    claims: p.json<LedgerClaim[]>(),
    purpose: p.text().nullable(),
    releasedAt: p.datetime().index(),
  },
});

export class ReleaseLedgerEntry extends ReleaseLedgerEntrySchema.class {}
ReleaseLedgerEntrySchema.setClass(ReleaseLedgerEntry);
