import { Migration } from '@mikro-orm/migrations';

export class Migration20261124153455_foundation extends Migration {

  override name = 'Migration20261124153455_foundation';

  override up(): void | Promise<void> {
    this.addSql(`create table "account" ("id" uuid not null, "email" varchar(254) not null, "email_normalized" varchar(254) not null, "email_verified" boolean not null default false, "username" varchar(100) null, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "locale" varchar(5) not null default 'de', "status" text not null default 'active', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "account" add constraint "account_email_normalized_unique" unique ("email_normalized");`);
    this.addSql(`alter table "account" add constraint "account_username_unique" unique ("username");`);

    this.addSql(`create table "oidc_client" ("client_id" varchar(255) not null, "name" varchar(200) not null, "metadata" jsonb not null, "encrypted_secret" text null, "source" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("client_id"));`);

    this.addSql(`create table "oidc_payload" ("kind" varchar(40) not null, "id" varchar(255) not null, "payload" jsonb not null, "grant_id" varchar(255) null, "user_code" varchar(255) null, "uid" varchar(255) null, "expires_at" timestamptz null, "consumed_at" timestamptz null, primary key ("kind", "id"));`);
    this.addSql(`create index "oidc_payload_grant_id_index" on "oidc_payload" ("grant_id");`);
    this.addSql(`create index "oidc_payload_user_code_index" on "oidc_payload" ("user_code");`);
    this.addSql(`create index "oidc_payload_uid_index" on "oidc_payload" ("uid");`);
    this.addSql(`create index "oidc_payload_expires_at_index" on "oidc_payload" ("expires_at");`);

    this.addSql(`create table "password_credential" ("account_id" uuid not null, "hash" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("account_id"));`);

    this.addSql(`create table "signing_key" ("kid" varchar(64) not null, "alg" text not null, "encrypted_jwk" text not null, "created_at" timestamptz not null, "activates_at" timestamptz not null, "publish_until" timestamptz null, primary key ("kid"));`);

    this.addSql(`alter table "account" add constraint "account_status_check" check ("status" in ('active', 'locked'));`);

    this.addSql(`alter table "oidc_client" add constraint "oidc_client_source_check" check ("source" in ('cli', 'registration', 'dev-seed'));`);

    this.addSql(`alter table "password_credential" add constraint "password_credential_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "signing_key" add constraint "signing_key_alg_check" check ("alg" in ('RS256', 'ES256', 'EdDSA'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "password_credential" drop constraint "password_credential_account_id_foreign";`);

    this.addSql(`drop table if exists "account" cascade;`);
    this.addSql(`drop table if exists "oidc_client" cascade;`);
    this.addSql(`drop table if exists "oidc_payload" cascade;`);
    this.addSql(`drop table if exists "password_credential" cascade;`);
    this.addSql(`drop table if exists "signing_key" cascade;`);
  }

}
