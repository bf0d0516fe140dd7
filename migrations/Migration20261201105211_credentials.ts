import { Migration } from '@mikro-orm/migrations';

export class Migration20261201105211_credentials extends Migration {

  override name = 'Migration20261201105211_credentials';

  override up(): void | Promise<void> {
    this.addSql(`create table "credential" ("id" uuid not null, "account_id" uuid not null, "type" text not null, "secret_hash" varchar(255) null, "secret_encrypted" text null, "identifier" varchar(512) null, "last_used_step" bigint null, "confirmed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "credential_account_id_index" on "credential" ("account_id");`);
    this.addSql(`create unique index "credential_one_password" on "credential" ("account_id") where type = 'password';`);
    this.addSql(`create unique index "credential_one_totp" on "credential" ("account_id") where type = 'totp' and confirmed_at is not null;`);
    this.addSql(`create unique index "credential_one_pending_totp" on "credential" ("account_id") where type = 'totp' and confirmed_at is null;`);
    this.addSql(`create unique index "credential_one_email_code" on "credential" ("account_id") where type = 'email_code';`);

    // Written by hand: every password moves into the one credential model unchanged (the argon2id PHC
    // string carries its parameters), so nobody has to reset a password. The foreign key is added below,
    // after the copy; the rows all point at existing accounts (the old table had the same cascading key).
    this.addSql(`insert into "credential" ("id", "account_id", "type", "secret_hash", "created_at", "updated_at") select gen_random_uuid(), "account_id", 'password', "hash", "created_at", "updated_at" from "password_credential";`);
    this.addSql(`drop table if exists "password_credential" cascade;`);

    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" add "target" varchar(254) null, add "attempts" int not null default 0;`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code'));`);

    this.addSql(`alter table "credential" add constraint "credential_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "credential" add constraint "credential_type_check" check ("type" in ('password', 'totp', 'email_code', 'recovery_code'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create table "password_credential" ("account_id" uuid not null, "created_at" timestamptz(6) not null, "hash" varchar(255) not null, "updated_at" timestamptz(6) not null, primary key ("account_id"));`);

    // By hand, the reverse of the copy in up(): passwords go back; second factors have no place there.
    this.addSql(`insert into "password_credential" ("account_id", "hash", "created_at", "updated_at") select "account_id", "secret_hash", "created_at", "updated_at" from "credential" where "type" = 'password' and "secret_hash" is not null;`);
    this.addSql(`drop table if exists "credential" cascade;`);

    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    // By hand: codes cannot live under the old purposes' check constraint.
    this.addSql(`delete from "verification_token" where "purpose" in ('login_code', 'enrol_email_code');`);
    this.addSql(`alter table "verification_token" drop column "target", drop column "attempts";`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset'));`);

    this.addSql(`alter table "password_credential" add constraint "password_credential_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);
  }

}
