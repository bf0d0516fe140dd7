import { Migration } from '@mikro-orm/migrations';

export class Migration20261201115414_attributes extends Migration {

  override name = 'Migration20261201115414_attributes';

  override up(): void | Promise<void> {
    this.addSql(`create table "account_attribute" ("id" uuid not null, "account_id" uuid not null, "name" varchar(80) not null, "value" jsonb not null, "level" text not null, "source" text not null, "verified_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "account_attribute_account_id_index" on "account_attribute" ("account_id");`);
    this.addSql(`alter table "account_attribute" add constraint "account_attribute_account_id_name_unique" unique ("account_id", "name");`);

    // Written by hand: every account's data becomes attributes, so the claims composer releases what was
    // released before. All of it was typed in (self-entered or by an operator, which the columns do not tell
    // apart): basisregistrierung. A confirmed address counts as email_confirmed; the time is not known.
    // Profile fields keep their field name (`profile.<name>`): the claim a deployment maps one to is config,
    // which a migration cannot read; the attribute reader releases them under the mapped claim.
    this.addSql(`insert into "account_attribute" ("id", "account_id", "name", "value", "level", "source", "verified_at", "created_at", "updated_at")
      select gen_random_uuid(), a."id", v."name", v."value", 'basisregistrierung', v."source", null, a."created_at", a."updated_at"
      from "account" a cross join lateral (values
        ('given_name', to_jsonb(a."given_name"), 'self_entered'),
        ('family_name', to_jsonb(a."family_name"), 'self_entered'),
        ('email', to_jsonb(a."email"), case when a."email_verified" then 'email_confirmed' else 'self_entered' end),
        ('email_verified', to_jsonb(a."email_verified"), case when a."email_verified" then 'email_confirmed' else 'self_entered' end),
        ('gender', case a."salutation" when 'ms' then to_jsonb('female'::text) when 'mr' then to_jsonb('male'::text) end, 'self_entered')
      ) as v("name", "value", "source")
      where v."value" is not null;`);
    this.addSql(`insert into "account_attribute" ("id", "account_id", "name", "value", "level", "source", "verified_at", "created_at", "updated_at")
      select gen_random_uuid(), a."id", 'profile.' || f."key", f."value", 'basisregistrierung', 'self_entered', null, a."created_at", a."updated_at"
      from "account" a cross join lateral jsonb_each(a."profile") as f("key", "value");`);

    this.addSql(`alter table "account_attribute" add constraint "account_attribute_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "account_attribute" add constraint "account_attribute_level_check" check ("level" in ('basisregistrierung', 'niedrig', 'substanziell', 'hoch'));`);
    this.addSql(`alter table "account_attribute" add constraint "account_attribute_source_check" check ("source" in ('self_entered', 'email_confirmed', 'operator', 'upstream', 'eid'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "account_attribute" cascade;`);
  }

}
