import type { EntityManager } from '@mikro-orm/sql';
import { AccountRepository, mailGreeting } from '../accounts/index.ts';
import type { Locale } from '../i18n/index.ts';
import { MailDropped, type Outbox } from '../mail/index.ts';
import type { CodeCheck, CodePurpose, VerificationService } from '../verification/index.ts';

export interface EmailCodeSettings {
  /** Lifetime of a code (config secondFactor.emailCodeMinutes). */
  minutes: number;
  /** Wrong entries a code survives (config secondFactor.emailCodeAttempts). */
  attempts: number;
}

/**
 * Six-digit codes mailed to the account's confirmed address: the e-mail second factor and its enrolment.
 * The code lives in the verification table (single use, limited tries, expiry by the injected clock).
 */
export class EmailCodes {
  private readonly em: EntityManager;
  private readonly verification: VerificationService;
  private readonly outbox: Outbox;
  private readonly settings: EmailCodeSettings;

  constructor(deps: { em: EntityManager; verification: VerificationService; outbox: Outbox; settings: EmailCodeSettings }) {
    this.em = deps.em;
    this.verification = deps.verification;
    this.outbox = deps.outbox;
    this.settings = deps.settings;
  }

  /**
   * Mails a new code, which replaces the open one. Nothing happens for an account without a confirmed
   * address, and nothing changes when the outbox's per-recipient cap drops the mail (the code mailed
   * before stays valid): the page looks the same either way.
   */
  async send(accountId: string, purpose: CodePurpose, context: { clientId: string | null; locale: Locale }): Promise<void> {
    const mailed = await this.em
      .fork()
      .transactional(async (tx) => {
        const account = await new AccountRepository(tx).findById(accountId);
        if (account?.status !== 'active' || !account.emailVerified) return false;
        const code = await this.verification.issueCode(tx, {
          purpose,
          accountId,
          target: account.email,
          ttlSeconds: this.settings.minutes * 60,
          clientId: context.clientId,
        });
        const queued = await this.outbox.enqueue(tx, {
          message: 'login-code',
          to: account.email,
          // The language of the page the person is on now: they wait for this mail.
          locale: context.locale,
          data: { ...mailGreeting(account), code, minutes: this.settings.minutes, enrolment: purpose === 'enrol_email_code' },
        });
        if (!queued) throw new MailDropped('login-code');
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof MailDropped) return false;
        throw error;
      });
    if (mailed) this.outbox.written();
  }

  /** Checks an entered code in the caller's transaction (wrong entries are counted there). */
  check(em: EntityManager, accountId: string, purpose: CodePurpose, code: string): Promise<CodeCheck> {
    return this.verification.checkCode(em, accountId, purpose, code, this.settings.attempts);
  }
}
