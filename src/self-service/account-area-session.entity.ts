import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

/**
 * A session of "Mein Bereich", the first-party account client (issue 17 item 1). In the database, not in
 * memory, so every instance serves it. `id` is a keyed hash (HMAC) of the random cookie token: a copy of the
 * table opens no account area. It lives only as long as the IdP login session it came from (`idpSid`, the
 * ID token's `sid`), which the guard checks on every request. `authTime` and `amr` are the login's (what
 * the step-up freshness judges); the ID token is kept encrypted, as the logout's `id_token_hint`.
 */
export const AccountAreaSessionSchema = defineEntity({
  name: 'AccountAreaSession',
  tableName: 'account_area_session',
  properties: {
    id: p.string().length(64).primary(),
    account: () => p.manyToOne(Account).deleteRule('cascade').index(),
    idpSid: p.string().length(255),
    /** Seconds since the epoch (the ID token's `auth_time`). */
    authTime: p.bigint('number'),
    amr: p.json<string[]>(),
    acr: p.string().length(255).nullable(),
    idTokenEncrypted: p.text().nullable(),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime(),
    expiresAt: p.datetime().index(),
  },
});

export class AccountAreaSession extends AccountAreaSessionSchema.class {}
AccountAreaSessionSchema.setClass(AccountAreaSession);
