import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { systemClock, type Clock } from '../shared/clock.ts';
import { randomToken, sha256Hex } from '../shared/crypto.ts';
import { CodeBook, type CodeCheck, type CodeInput } from './code-book.ts';
import { VerificationToken, type VerificationPurpose } from './verification-token.entity.ts';

export interface IssueInput {
  purpose: VerificationPurpose;
  accountId: string;
  ttlSeconds: number;
  interactionUid?: string | null;
  clientId?: string | null;
  /** The address the link is mailed to (kept with the token: a later change of address does not move it). */
  target?: string | null;
}

/** A link to an address rather than an account (purposes where the person may have no account yet). */
export type AddressPurpose = 'organisation_invitation';

/** What a valid address link stands for: its row (the caller's record refers to it) and the address. */
export interface AddressLink {
  id: string;
  target: string;
}

/** What a valid token stands for. */
export interface TokenSubject {
  accountId: string;
  interactionUid: string | null;
  clientId: string | null;
  /** The address the link was mailed to (for `email_change`: the new address it confirms). */
  target: string | null;
}

interface TokenRow {
  account_id: string;
  interaction_uid: string | null;
  client_id: string | null;
  target: string | null;
}

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Single-use link tokens (e-mail confirmation, password reset) and six-digit codes (login code, e-mail
 * factor enrolment): stored as hashes, consumed atomically. `secret` is KONTOR_SECRET (the codes' HMAC key).
 */
export class VerificationService {
  private readonly em: EntityManager;
  private readonly clock: Clock;
  private readonly codes: CodeBook;
  // Expiry is judged by the clock, not the database's now(): tests advance it instead of rewriting rows.
  constructor(em: EntityManager, secret: string, clock: Clock = systemClock) {
    this.em = em;
    this.clock = clock;
    this.codes = new CodeBook(secret, clock);
  }

  /**
   * Creates a six-digit code in the caller's transaction, replacing the account's open code of this purpose,
   * and returns it in the clear, once, for the mail.
   */
  issueCode(em: EntityManager, input: CodeInput): Promise<string> {
    return this.codes.issue(em, input);
  }

  /** Checks an entered code in the caller's transaction; a wrong one counts against the code's attempts. */
  checkCode(em: EntityManager, accountId: string, purpose: CodeInput['purpose'], code: string, maxAttempts: number): Promise<CodeCheck> {
    return this.codes.check(em, accountId, purpose, code, maxAttempts);
  }

  /** Creates a token in the caller's transaction and returns it in the clear, once, for the mail. */
  issue(em: EntityManager, input: IssueInput): string {
    const token = randomToken(32);
    const now = this.clock.now();
    em.create(VerificationToken, {
      purpose: input.purpose,
      account: input.accountId,
      tokenHash: sha256Hex(token),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      usedAt: null,
      interactionUid: input.interactionUid ?? null,
      clientId: input.clientId ?? null,
      target: input.target ?? null,
      attempts: 0,
      createdAt: now,
    });
    return token;
  }

  /**
   * Creates a link for an address that may have no account (an invitation) in the caller's transaction; returns
   * the row's id (the caller's record keeps it) and the token in the clear, once, for the mail.
   */
  issueForAddress(em: EntityManager, input: { purpose: AddressPurpose; target: string; ttlSeconds: number }): { id: string; token: string } {
    const token = randomToken(32);
    const now = this.clock.now();
    const id = randomUUID();
    em.create(VerificationToken, {
      id,
      purpose: input.purpose,
      account: null,
      tokenHash: sha256Hex(token),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      usedAt: null,
      interactionUid: null,
      clientId: null,
      target: input.target,
      attempts: 0,
      createdAt: now,
    });
    return { id, token };
  }

  /** An address link that is unused and unexpired, without using it. */
  async peekAddressLink(token: string, purpose: AddressPurpose): Promise<AddressLink | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const rows = await this.em
      .fork()
      .execute<Array<{ id: string; target: string }>>(
        'select id, target from verification_token where token_hash = ? and purpose = ? and used_at is null and expires_at > ?',
        [sha256Hex(token), purpose, this.clock.now()],
        'all',
      );
    return rows[0] ?? null;
  }

  /** Uses an address link in the caller's transaction: of two concurrent uses exactly one gets it. */
  async consumeAddressLink(em: EntityManager, token: string, purpose: AddressPurpose): Promise<AddressLink | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const rows = await em.execute<Array<{ id: string; target: string }>>(
      'update verification_token set used_at = ? where token_hash = ? and purpose = ? and used_at is null and expires_at > ? returning id, target',
      [this.clock.now(), sha256Hex(token), purpose, this.clock.now()],
      'all',
    );
    return rows[0] ?? null;
  }

  /** Voids address links by their ids (an invitation withdrawn, an organisation deleted). */
  async voidAddressLinks(em: EntityManager, ids: string[]): Promise<void> {
    if (ids.length) await em.nativeDelete(VerificationToken, { id: { $in: ids }, account: null });
  }

  /** Looks a token up without using it (the page that asks the person to confirm). */
  async peek(token: string, purpose: VerificationPurpose): Promise<TokenSubject | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const rows = await this.em
      .fork()
      .execute<TokenRow[]>(
        'select account_id, interaction_uid, client_id, target from verification_token where token_hash = ? and purpose = ? and used_at is null and expires_at > ?',
        [sha256Hex(token), purpose, this.clock.now()],
        'all',
      );
    return rows[0] ? subjectOf(rows[0]) : null;
  }

  /** The subject of a link that was already used (used links are kept a day, see `purge`): "already confirmed". */
  async usedSubject(token: string, purpose: VerificationPurpose): Promise<TokenSubject | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const rows = await this.em
      .fork()
      .execute<TokenRow[]>(
        'select account_id, interaction_uid, client_id, target from verification_token where token_hash = ? and purpose = ? and used_at is not null',
        [sha256Hex(token), purpose],
        'all',
      );
    return rows[0] ? subjectOf(rows[0]) : null;
  }

  /**
   * Uses a token inside the caller's transaction. One statement marks it used only if it is unused and
   * unexpired, so of two concurrent clicks exactly one succeeds.
   */
  async consume(em: EntityManager, token: string, purpose: VerificationPurpose): Promise<TokenSubject | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const rows = await em.execute<TokenRow[]>(
      'update verification_token set used_at = ? where token_hash = ? and purpose = ? and used_at is null and expires_at > ? returning account_id, interaction_uid, client_id, target',
      [this.clock.now(), sha256Hex(token), purpose, this.clock.now()],
      'all',
    );
    return rows[0] ? subjectOf(rows[0]) : null;
  }

  /** Of `accountIds`, those that still have an unused, unexpired token of this purpose. */
  async withOpenToken(em: EntityManager, accountIds: string[], purpose: VerificationPurpose): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await em.execute<Array<{ account_id: string }>>(
      'select distinct account_id from verification_token where account_id = any(?::uuid[]) and purpose = ? and used_at is null and expires_at > ?',
      [`{${accountIds.join(',')}}`, purpose, this.clock.now()],
      'all',
    );
    return new Set(rows.map((row) => row.account_id));
  }

  /** Invalidates the account's other open tokens of this purpose (a new link replaces older ones). */
  async revokeOpen(em: EntityManager, accountId: string, purpose: VerificationPurpose): Promise<void> {
    await em.nativeDelete(VerificationToken, { account: accountId, purpose, usedAt: null });
  }

  /** Deletes used and expired tokens older than a day (kept that long to tell "used" from "unknown"). */
  async purge(): Promise<number> {
    const dayAgo = new Date(this.clock.now().getTime() - 86_400_000);
    return this.em.fork().nativeDelete(VerificationToken, { $or: [{ expiresAt: { $lt: dayAgo } }, { usedAt: { $lt: dayAgo } }] });
  }

  /** Account deletion's step for this domain, in the caller's transaction: the account's tokens of every purpose. */
  forgetAccount(tx: EntityManager, accountId: string): Promise<number> {
    return tx.nativeDelete(VerificationToken, { account: accountId });
  }
}

function subjectOf(row: TokenRow): TokenSubject {
  return { accountId: row.account_id, interactionUid: row.interaction_uid, clientId: row.client_id, target: row.target };
}
