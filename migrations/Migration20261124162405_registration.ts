import { Migration } from '@mikro-orm/migrations';

export class Migration20261124162405_registration extends Migration {

  override name = 'Migration20261124162405_registration';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_consent" ("id" uuid not null, "account_id" uuid not null, "consent_id" varchar(40) not null, "version" varchar(40) not null, "granted" boolean not null, "decided_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "account_consent_account_id_index" on "account_consent" ("account_id");`);

    this.addSql(`create table "audit_event" ("id" uuid not null, "type" varchar(60) not null, "account_id" uuid null, "client_id" varchar(255) null, "ip" varchar(64) null, "details" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "audit_event_type_index" on "audit_event" ("type");`);
    this.addSql(`create index "audit_event_account_id_index" on "audit_event" ("account_id");`);
    this.addSql(`create index "audit_event_created_at_index" on "audit_event" ("created_at");`);

    this.addSql(`create table "login_throttle" ("key" varchar(64) not null, "failures" int not null, "blocked_until" timestamptz null, "updated_at" timestamptz not null, primary key ("key"));`);
    this.addSql(`create index "login_throttle_updated_at_index" on "login_throttle" ("updated_at");`);

    this.addSql(`create table "mail_outbox" ("id" uuid not null, "message" varchar(60) not null, "recipient" varchar(254) not null, "locale" varchar(5) not null, "subject" varchar(300) not null, "sealed_body" text not null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "locked_until" timestamptz null, "last_error" varchar(1000) null, "created_at" timestamptz not null, "sent_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "mail_outbox_status_next_attempt_at_index" on "mail_outbox" ("status", "next_attempt_at");`);

    this.addSql(`create table "rate_limit_counter" ("key" varchar(64) not null, "hits" int not null, "window_ends_at" timestamptz not null, primary key ("key"));`);
    this.addSql(`create index "rate_limit_counter_window_ends_at_index" on "rate_limit_counter" ("window_ends_at");`);

    this.addSql(`create table "verification_token" ("id" uuid not null, "purpose" text not null, "account_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "interaction_uid" varchar(64) null, "client_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "verification_token_account_id_index" on "verification_token" ("account_id");`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "verification_token_expires_at_index" on "verification_token" ("expires_at");`);

    this.addSql(`alter table "account" drop constraint "account_status_check";`);
    this.addSql(`alter table "account" add "salutation" text null, add "profile" jsonb not null default '{}';`);
    this.addSql(`create index "account_status_index" on "account" ("status");`);
    this.addSql(`alter table "account" add constraint "account_salutation_check" check ("salutation" in ('ms', 'mr'));`);
    this.addSql(`alter table "account" add constraint "account_status_check" check ("status" in ('pending', 'active', 'locked'));`);

    this.addSql(`alter table "account_consent" add constraint "account_consent_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);

    this.addSql(`alter table "mail_outbox" add constraint "mail_outbox_status_check" check ("status" in ('pending', 'sent', 'failed'));`);

    this.addSql(`alter table "verification_token" add constraint "verification_token_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "account_consent" cascade;`);
    this.addSql(`drop table if exists "audit_event" cascade;`);
    this.addSql(`drop table if exists "login_throttle" cascade;`);
    this.addSql(`drop table if exists "mail_outbox" cascade;`);
    this.addSql(`drop table if exists "rate_limit_counter" cascade;`);
    this.addSql(`drop table if exists "verification_token" cascade;`);

    this.addSql(`drop index "account_status_index";`);
    this.addSql(`alter table "account" drop constraint "account_salutation_check";`);
    this.addSql(`alter table "account" drop constraint "account_status_check";`);
    this.addSql(`alter table "account" drop column "salutation", drop column "profile";`);
    this.addSql(`alter table "account" add constraint "account_status_check" check ("status" in ('active', 'locked'));`);
  }

}
