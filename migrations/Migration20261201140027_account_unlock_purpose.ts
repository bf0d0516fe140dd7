import { Migration } from '@mikro-orm/migrations';

export class Migration20261201140027_account_unlock_purpose extends Migration {

  override name = 'Migration20261201140027_account_unlock_purpose';

  override up(): void | Promise<void> {
    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code', 'email_change', 'organisation_invitation', 'account_unlock'));`);
  }

  override down(): void | Promise<void> {
    // Open unlock links cannot exist without their purpose.
    this.addSql(`delete from "verification_token" where "purpose" = 'account_unlock';`);
    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code', 'email_change', 'organisation_invitation'));`);
  }

}
