import nodemailer, { type Transporter } from 'nodemailer';
import type { EntityManager } from '@mikro-orm/sql';
import { systemClock, type Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Outbox } from './outbox.ts';

export interface DispatcherSettings {
  smtpUrl?: string;
  from: string;
  /** Host part of Message-IDs (the issuer's host). */
  messageIdHost: string;
  intervalSeconds: number;
  retryBaseSeconds: number;
  maxAttempts: number;
}

interface ClaimedMail {
  id: string;
  recipient: string;
  subject: string;
  sealed_body: string;
  attempts: number;
}

/** A lease longer than any SMTP exchange may take (the transport's timeouts end it first). */
const LEASE_SECONDS = 180;
const BATCH = 20;

/**
 * Sends the outbox over SMTP. Any number of instances may run one: a mail is claimed with a lease
 * (FOR UPDATE SKIP LOCKED), sent, then marked sent. A failure schedules a retry with exponential backoff;
 * after `maxAttempts` the mail is marked failed and stays visible (`kontor mail list --status failed`).
 */
export class MailDispatcher {
  private readonly em: EntityManager;
  private readonly outbox: Outbox;
  private readonly settings: DispatcherSettings;
  private readonly logger: Logger;
  private readonly transport: Transporter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private readonly clock: Clock;

  // What is due is judged by the clock, not the database's now(): tests advance it past a retry delay.
  constructor(em: EntityManager, outbox: Outbox, settings: DispatcherSettings, logger: Logger, clock: Clock = systemClock) {
    this.em = em;
    this.clock = clock;
    this.outbox = outbox;
    this.settings = settings;
    this.logger = logger;
    this.transport = settings.smtpUrl ? nodemailer.createTransport(withTimeouts(settings.smtpUrl)) : undefined;
  }

  /** False in development without SMTP_URL: mail then stays in the outbox, readable at /dev/mail. */
  get sending(): boolean {
    return this.transport !== undefined;
  }

  start(): void {
    if (!this.transport || this.timer) return;
    this.outbox.onWritten(() => this.nudge());
    this.timer = setInterval(() => this.nudge(), this.settings.intervalSeconds * 1000);
    this.timer.unref();
    this.nudge();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => 0);
    this.transport?.close();
  }

  /** Runs a dispatch soon; calls while one runs fold into one more round. */
  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.dispatchNow().catch((error: unknown) => this.logger.error({ err: error }, 'mail dispatch failed'));
  }

  /** Sends every mail that is due; resolves with the number sent. */
  async dispatchNow(): Promise<number> {
    if (!this.transport) return 0;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
      if (this.again && this.timer) {
        this.again = false;
        this.nudge();
      }
    }
  }

  private async drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      const batch = await this.claim();
      for (const mail of batch) if (await this.deliver(mail)) sent += 1;
      if (batch.length < BATCH) return sent;
    }
  }

  private claim(): Promise<ClaimedMail[]> {
    const now = this.clock.now();
    return this.em.fork().execute<ClaimedMail[]>(
      `update mail_outbox set locked_until = ?::timestamptz + make_interval(secs => ?), attempts = attempts + 1
       where id in (select id from mail_outbox where status = 'pending' and next_attempt_at <= ?
                    and (locked_until is null or locked_until < ?)
                    order by created_at limit ? for update skip locked)
       returning id, recipient, subject, sealed_body, attempts`,
      [now, LEASE_SECONDS, now, now, BATCH],
      'all',
    );
  }

  private async deliver(mail: ClaimedMail): Promise<boolean> {
    const em = this.em.fork();
    let forgetAs: string | undefined;
    try {
      const body = this.outbox.open(mail.id, mail.sealed_body);
      forgetAs = body.forgetAs;
      await this.transport!.sendMail({
        from: this.settings.from,
        to: mail.recipient,
        subject: mail.subject,
        text: body.text,
        html: body.html,
        // Stable per outbox row: should a mail ever go out twice (crash between SMTP's OK and our update),
        // mail systems see the same message.
        messageId: `<${mail.id}@${this.settings.messageIdHost}>`,
      });
    } catch (error) {
      const failed = mail.attempts >= this.settings.maxAttempts;
      const delay = Math.min(3600, this.settings.retryBaseSeconds * 2 ** (mail.attempts - 1));
      await em.execute(
        `update mail_outbox set locked_until = null, last_error = ?, next_attempt_at = ?::timestamptz + make_interval(secs => ?), status = ? where id = ?`,
        [String((error as Error).message).slice(0, 1000), this.clock.now(), delay, failed ? 'failed' : 'pending', mail.id],
        'run',
      );
      const log = { mailId: mail.id, attempts: mail.attempts, err: error };
      if (failed && forgetAs) await this.forget(em, mail.id, forgetAs);
      if (failed) this.logger.error(log, 'mail delivery failed for good; see `kontor mail list --status failed`');
      else this.logger.warn({ ...log, retryInSeconds: delay }, 'mail delivery failed; will retry');
      return false;
    }
    await em.execute(`update mail_outbox set status = 'sent', sent_at = now(), locked_until = null, last_error = null where id = ?`, [mail.id], 'run');
    if (forgetAs) await this.forget(em, mail.id, forgetAs);
    this.logger.info({ mailId: mail.id }, 'mail sent');
    return true;
  }

  /**
   * Mail to a person Kontor must forget (MailRequest.forgetRecipientAs: the deletion's confirmation) loses
   * its address, body and error text once it is sent or has failed for good (GDPR Art. 17). A failed one
   * cannot be retried then: there is nobody to send it to any more.
   */
  private async forget(em: EntityManager, id: string, replacement: string): Promise<void> {
    await em.execute(`update mail_outbox set recipient = ?, sealed_body = '', last_error = null where id = ?`, [replacement, id], 'run');
  }
}

/** SMTP timeouts well inside the claim lease, so a hanging server cannot make a mail go out twice. */
function withTimeouts(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [name, ms] of [
    ['connectionTimeout', '20000'],
    ['greetingTimeout', '20000'],
    ['socketTimeout', '60000'],
  ] as const) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, ms);
  }
  return url.href;
}
