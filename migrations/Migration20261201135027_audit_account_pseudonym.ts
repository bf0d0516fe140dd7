import { Migration } from '@mikro-orm/migrations';

export class Migration20261201135027_audit_account_pseudonym extends Migration {

  override name = 'Migration20261201135027_audit_account_pseudonym';

  override up(): void | Promise<void> {
    this.addSql(`alter table "audit_event" alter column "account_id" type text using ("account_id"::text);`);

    this.addSql(`alter table "audit_event" alter column "account_id" type varchar(80) using ("account_id"::varchar(80));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "audit_event" alter column "account_id" type uuid using ("account_id"::text::uuid);`);
  }

}
