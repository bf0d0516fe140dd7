import { Migration } from '@mikro-orm/migrations';

export class Migration20261201115016_release_ledger extends Migration {

  override name = 'Migration20261201115016_release_ledger';

  override up(): void | Promise<void> {
    this.addSql(`create table "release_ledger" ("id" uuid not null, "account_id" varchar(255) not null, "client_id" varchar(255) not null, "use" text not null, "claims" jsonb not null, "purpose" text null, "released_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "release_ledger_account_id_index" on "release_ledger" ("account_id");`);
    this.addSql(`create index "release_ledger_released_at_index" on "release_ledger" ("released_at");`);

    this.addSql(`alter table "release_ledger" add constraint "release_ledger_use_check" check ("use" in ('id_token', 'userinfo'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "release_ledger" cascade;`);
  }

}
