import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { decrypt, deriveKey, encrypt } from '../shared/crypto.ts';
import type { Locale } from '../i18n/index.ts';
import { OutboxMail, type OutboxStatus } from './outbox-mail.entity.ts';
import type { MailRenderer } from './mail-renderer.ts';
import { emailAddress, normalizeEmail } from '../accounts/index.ts';
import type { RateLimiter, RateRule } from '../rate-limits/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { Logger } from '../shared/logger.ts';

export interface MailRequest {
  /** Template folder under templates/mail/. */
  message: string;
  to: string;
  locale: Locale;
  data: Record<string, unknown>;
  /**
   * Set for mail to a person Kontor must forget (the account deletion's confirmation): once the mail is sent
   * (or has failed for good) the dispatcher replaces the recipient by this value and drops the body.
   */
  forgetRecipientAs?: string;
}

export interface OutboxEntry {
  id: string;
  message: string;
  recipient: string;
  subject: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
}

export interface MailBody {
  text: string;
  html: string;
  /** MailRequest.forgetRecipientAs, sealed with the body so no readable column tells it. */
  forgetAs?: string;
}

/** What a forgotten row's body becomes: nothing to decrypt, nothing to send. */
const NO_BODY = '';

/**
 * Thrown by a caller inside its transaction when a mail it depends on was dropped (a link nobody will
 * receive): rolling back keeps the state as it was, e.g. the link mailed before stays valid.
 */
export class MailDropped extends Error {
  constructor(message: string) {
    super(`mail dropped: ${message}`);
    this.name = 'MailDropped';
  }
}

/** How many mails of one kind one address may get per window, and where that is counted and told. */
export interface RecipientCap {
  limiter: RateLimiter;
  perRecipient: RateRule;
  logger: Logger;
}

/**
 * The mail outbox: mail is rendered and written in the caller's transaction; the dispatcher sends it.
 * Every mail passes one gate, so every mail kind, present and future, gets the same protection: exactly one
 * recipient, and at most `perRecipient` mails of a kind to one (normalised) address per window.
 */
export class Outbox {
  private readonly em: EntityManager;
  private readonly renderer: MailRenderer;
  private readonly key: Buffer;
  private readonly cap: RecipientCap | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(em: EntityManager, renderer: MailRenderer, secret: string, cap?: RecipientCap) {
    this.em = em;
    this.renderer = renderer;
    this.key = deriveKey(secret, 'mail-outbox');
    this.cap = cap;
  }

  /**
   * Adds a mail to the caller's transaction; call `written()` after the commit to have it sent at once.
   * Throws for a `to` that is not exactly one address (the edge must have refused it: a bug, not input).
   * Returns false, writing nothing, when the address had its share of this kind of mail in the window:
   * the drop is logged, never shown to the requester (the page must not differ).
   */
  async enqueue(em: EntityManager, request: MailRequest): Promise<boolean> {
    // Exactly one address: "a,victim@example.org" would be two for nodemailer.
    if (!emailAddress.safeParse(request.to).success) throw new AppError('mail.invalid_recipient', 500);
    if (this.cap) {
      // Counted in the caller's transaction: a rolled-back change sends nothing and counts nothing.
      const decision = await this.cap.limiter.hit(`mail:${request.message}`, normalizeEmail(request.to), this.cap.perRecipient, em);
      if (!decision.allowed) {
        this.cap.logger.warn(
          { message: request.message, recipient: this.cap.limiter.keyFor('mail-recipient', normalizeEmail(request.to)) },
          'mail dropped: recipient limit reached',
        );
        return false;
      }
    }
    const rendered = this.renderer.render(request.message, request.locale, request.data);
    const id = randomUUID();
    em.create(OutboxMail, {
      id,
      message: request.message,
      recipient: request.to,
      locale: request.locale,
      subject: rendered.subject,
      // The id is bound into the encryption, so a body cannot be moved to another row.
      sealedBody: encrypt(
        this.key,
        JSON.stringify({ text: rendered.text, html: rendered.html, ...(request.forgetRecipientAs ? { forgetAs: request.forgetRecipientAs } : {}) }),
        `mail:${id}`,
      ),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(),
      lockedUntil: null,
      lastError: null,
      createdAt: new Date(),
      sentAt: null,
    });
    return true;
  }

  /** Tells the dispatcher that committed mail is waiting (it also polls, so a missed call only delays). */
  written(): void {
    for (const listener of this.listeners) listener();
  }

  onWritten(listener: () => void): void {
    this.listeners.push(listener);
  }

  open(id: string, sealedBody: string): MailBody {
    if (sealedBody === NO_BODY) return { text: '', html: '' };
    return JSON.parse(decrypt(this.key, sealedBody, `mail:${id}`)) as MailBody;
  }

  /**
   * Account deletion's step for this domain, in the caller's transaction (GDPR Art. 17): mail to `address`
   * that is still pending or failed is deleted (it would reach a person who no longer has an account);
   * sent mail keeps its row for operators (what was sent, when) with `replacement` as recipient, without
   * body or error text; the per-recipient caps of the address are reset, so a new registration with it is
   * treated like any other. Mail enqueued after this call (the deletion's confirmation) is not touched.
   */
  async forgetRecipient(tx: EntityManager, address: string, replacement: string): Promise<number> {
    const normalized = normalizeEmail(address);
    const messages = await tx.execute<Array<{ message: string }>>('select distinct message from mail_outbox where lower(recipient) = ?', [normalized], 'all');
    const deleted = await tx.execute<{ affectedRows: number }>(
      `delete from mail_outbox where lower(recipient) = ? and status in ('pending', 'failed')`,
      [normalized],
      'run',
    );
    const scrubbed = await tx.execute<{ affectedRows: number }>(
      `update mail_outbox set recipient = ?, sealed_body = ?, last_error = null where lower(recipient) = ? and status = 'sent'`,
      [replacement, NO_BODY, normalized],
      'run',
    );
    await this.cap?.limiter.forget(
      tx,
      messages.map(({ message }) => ({ scope: `mail:${message}`, subject: normalized })),
    );
    return deleted.affectedRows + scrubbed.affectedRows;
  }

  async list(filter: { status?: OutboxStatus; recipient?: string } = {}, limit = 50): Promise<OutboxEntry[]> {
    const rows = await this.em
      .fork()
      .find(
        OutboxMail,
        { ...(filter.status ? { status: filter.status } : {}), ...(filter.recipient ? { recipient: filter.recipient } : {}) },
        { orderBy: { createdAt: 'desc' }, limit },
      );
    return rows.map(entryOf);
  }

  /** The newest mail with bodies, decrypted, in one query (the development mailbox). */
  async recent(limit: number): Promise<Array<OutboxEntry & MailBody>> {
    const rows = await this.em.fork().find(OutboxMail, {}, { orderBy: { createdAt: 'desc' }, limit });
    return rows.map((row) => ({ ...entryOf(row), ...this.open(row.id, row.sealedBody) }));
  }

  /** One mail with its bodies, decrypted (the development mailbox, operators' `mail show`). */
  async read(id: string): Promise<(OutboxEntry & MailBody) | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const row = await this.em.fork().findOne(OutboxMail, { id });
    if (!row) return null;
    return { ...entryOf(row), ...this.open(row.id, row.sealedBody) };
  }

  /** Puts failed mail back in the queue (after an operator fixed SMTP); returns how many. */
  async retry(ids: string[] | 'all-failed'): Promise<number> {
    // A forgotten mail (no body, see forgetRecipient) has nobody to go to.
    const where =
      ids === 'all-failed'
        ? { status: 'failed' as const, sealedBody: { $ne: NO_BODY } }
        : { id: { $in: ids }, status: 'failed' as const, sealedBody: { $ne: NO_BODY } };
    const count = await this.em.fork().nativeUpdate(OutboxMail, where, { status: 'pending', attempts: 0, nextAttemptAt: new Date(), lockedUntil: null });
    if (count) this.written();
    return count;
  }

  /** Deletes sent mail (with its bodies) older than `days`. */
  purgeSent(days: number): Promise<number> {
    return this.em.fork().nativeDelete(OutboxMail, { status: 'sent', sentAt: { $lt: new Date(Date.now() - days * 86_400_000) } });
  }
}

function entryOf(row: OutboxMail): OutboxEntry {
  return {
    id: row.id,
    message: row.message,
    recipient: row.recipient,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError ?? null,
    createdAt: row.createdAt,
    sentAt: row.sentAt ?? null,
    nextAttemptAt: row.nextAttemptAt,
  };
}
