import { randomInt, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import { constantTimeEqual, deriveKey, hmacBase64Url } from '../shared/crypto.ts';
import { VerificationToken } from './verification-token.entity.ts';

/** The purposes whose secret is a six-digit code someone types, not a link. */
export type CodePurpose = 'login_code' | 'enrol_email_code';

export interface CodeInput {
  purpose: CodePurpose;
  accountId: string;
  /** The address the code is mailed to. */
  target: string;
  ttlSeconds: number;
  clientId?: string | null;
}

/**
 * `valid`: the code was right and is now used. `invalid`: wrong (counted), or no open code (expired, used,
 * voided by too many wrong entries, never sent); `reason` is for the audit trail only, never the person.
 */
export type CodeCheck =
  | { kind: 'valid'; accountId: string; target: string | null; clientId: string | null }
  | { kind: 'invalid'; reason: 'wrong_code' | 'no_open_code' };

const CODE_FORMAT = /^\d{6}$/;

/**
 * Six-digit one-time codes in the verification table. A plain hash of six digits is reversed by trying a
 * million of them, so the hash is an HMAC under a key derived from KONTOR_SECRET; the row id is part of the
 * input, so two accounts' equal codes never share a hash (the column is unique, as links need).
 */
export class CodeBook {
  private readonly key: Buffer;
  private readonly clock: Clock;

  constructor(secret: string, clock: Clock) {
    this.key = deriveKey(secret, 'verification-codes');
    this.clock = clock;
  }

  async issue(em: EntityManager, input: CodeInput): Promise<string> {
    // A new code replaces the open one: only the newest mail counts.
    await em.nativeDelete(VerificationToken, { account: input.accountId, purpose: input.purpose, usedAt: null });
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = randomUUID();
    const now = this.clock.now();
    em.create(VerificationToken, {
      id,
      purpose: input.purpose,
      account: input.accountId,
      tokenHash: this.hash(id, code),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      usedAt: null,
      interactionUid: null,
      clientId: input.clientId ?? null,
      target: input.target,
      attempts: 0,
      createdAt: now,
    });
    return code;
  }

  /**
   * Each step is one statement that re-checks the row's state, so concurrent entries cannot both use a
   * code, nor push it past `maxAttempts` wrong entries, after which it is void.
   */
  async check(em: EntityManager, accountId: string, purpose: CodePurpose, entered: string, maxAttempts: number): Promise<CodeCheck> {
    const now = this.clock.now();
    const open = await em.execute<Array<{ id: string; token_hash: string }>>(
      'select id, token_hash from verification_token where account_id = ? and purpose = ? and used_at is null and expires_at > ? and attempts < ? order by created_at desc limit 1',
      [accountId, purpose, now, maxAttempts],
      'all',
    );
    const row = open[0];
    if (!row) return { kind: 'invalid', reason: 'no_open_code' };
    const code = entered.replace(/\s+/g, '');
    if (CODE_FORMAT.test(code) && constantTimeEqual(this.hash(row.id, code), row.token_hash)) {
      const used = await em.execute<Array<{ account_id: string; target: string | null; client_id: string | null }>>(
        'update verification_token set used_at = ? where id = ? and used_at is null and expires_at > ? and attempts < ? returning account_id, target, client_id',
        [now, row.id, now, maxAttempts],
        'all',
      );
      const subject = used[0];
      return subject
        ? { kind: 'valid', accountId: subject.account_id, target: subject.target, clientId: subject.client_id }
        : { kind: 'invalid', reason: 'no_open_code' };
    }
    await em.execute('update verification_token set attempts = attempts + 1 where id = ? and used_at is null and attempts < ?', [row.id, maxAttempts], 'run');
    return { kind: 'invalid', reason: 'wrong_code' };
  }

  private hash(id: string, code: string): string {
    return hmacBase64Url(this.key, `${id}\u0000${code}`);
  }
}
