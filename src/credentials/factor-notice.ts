import type { EntityManager } from '@mikro-orm/sql';
import { AccountRepository, mailGreeting } from '../accounts/index.ts';
import type { Outbox } from '../mail/index.ts';

/** What changed about an account's second factor in the account area; names the mail's sentence. */
export type FactorChange = 'enrolled_totp' | 'enrolled_email' | 'switched_totp' | 'switched_email' | 'device_replaced' | 'removed' | 'recovery_codes';

/**
 * Tells the person by mail, in the transaction of the change, that their second factor changed: if someone
 * else did it (a stolen session and password), the notice is how the owner learns of it (OWASP ASVS 4.0
 * V2.5.5 / NIST SP 800-63B §6.1.2.3). A notice the per-recipient cap drops does not undo the change; the
 * outbox logs it.
 */
export class FactorNotices {
  private readonly outbox: Outbox;
  private readonly issuer: string;

  constructor(outbox: Outbox, issuer: string) {
    this.outbox = outbox;
    this.issuer = issuer;
  }

  async queue(tx: EntityManager, accountId: string, change: FactorChange): Promise<boolean> {
    const account = await new AccountRepository(tx).findById(accountId);
    if (!account) return false;
    return this.outbox.enqueue(tx, {
      message: 'second-factor-changed',
      to: account.email,
      locale: account.locale === 'en' ? 'en' : 'de',
      data: { ...mailGreeting(account), changeKey: `mail.second-factor-changed.${change}`, forgotLink: `${this.issuer}/password/forgot` },
    });
  }

  /** Wakes the dispatcher after the transaction committed. */
  written(): void {
    this.outbox.written();
  }
}
