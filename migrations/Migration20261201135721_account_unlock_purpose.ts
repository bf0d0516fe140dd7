import { Migration } from '@mikro-orm/migrations';

export class Migration20261201135721_account_unlock_purpose extends Migration {

  override name = 'Migration20261201135721_account_unlock_purpose';

  override up(): void | Promise<void> {
    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code', 'account_unlock'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code'));`);
  }

}
