import { Migration } from '@mikro-orm/migrations';

export class Migration20261201133611_account_area_session extends Migration {

  override name = 'Migration20261201133611_account_area_session';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_area_session" ("id" varchar(64) not null, "account_id" uuid not null, "idp_sid" varchar(255) not null, "auth_time" bigint not null, "amr" jsonb not null, "acr" varchar(255) null, "id_token_encrypted" text null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "account_area_session_account_id_index" on "account_area_session" ("account_id");`);
    this.addSql(`create index "account_area_session_expires_at_index" on "account_area_session" ("expires_at");`);

    this.addSql(`alter table "oidc_client" drop constraint "oidc_client_source_check";`);
    this.addSql(`alter table "oidc_client" add constraint "oidc_client_source_check" check ("source" in ('cli', 'registration', 'dev-seed', 'config'));`);

    this.addSql(`alter table "account_area_session" add constraint "account_area_session_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "account_area_session" cascade;`);

    this.addSql(`alter table "oidc_client" drop constraint "oidc_client_source_check";`);
    this.addSql(`alter table "oidc_client" add constraint "oidc_client_source_check" check ("source" in ('cli', 'registration', 'dev-seed'));`);
  }

}
