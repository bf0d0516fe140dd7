import { Migration } from '@mikro-orm/migrations';

export class Migration20261201135707_organisations extends Migration {

  override name = 'Migration20261201135707_organisations';

  override up(): void | Promise<void> {
    this.addSql(`create table "organisation" ("id" uuid not null, "name" varchar(40) not null, "name_key" varchar(40) not null, "legal_form" text not null, "register_court" varchar(100) null, "register_number" varchar(30) null, "street" varchar(100) not null, "house_number" varchar(11) not null, "postal_code" varchar(10) not null, "city" varchar(100) not null, "country" varchar(2) not null, "po_box" varchar(20) null, "postal_address" text not null, "contact_email" varchar(254) not null, "admins_may_use_services" boolean not null default false, "status" text not null default 'active', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_name_key_index" on "organisation" ("name_key");`);

    this.addSql(`create table "organisation_choice" ("id" uuid not null, "account_id" uuid not null, "client_id" varchar(255) not null, "organisation_id" uuid not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_choice_organisation_id_index" on "organisation_choice" ("organisation_id");`);
    this.addSql(`alter table "organisation_choice" add constraint "organisation_choice_account_id_client_id_unique" unique ("account_id", "client_id");`);

    this.addSql(`create table "organisation_group" ("id" uuid not null, "organisation_id" uuid not null, "name" varchar(60) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "organisation_group" add constraint "organisation_group_organisation_id_name_unique" unique ("organisation_id", "name");`);

    this.addSql(`create table "organisation_invitation" ("id" uuid not null, "organisation_id" uuid not null, "email" varchar(254) not null, "email_normalized" varchar(254) not null, "role" text not null, "link_id" uuid not null, "invited_by" uuid not null, "status" text not null default 'pending', "expires_at" timestamptz not null, "accepted_by" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_invitation_organisation_id_index" on "organisation_invitation" ("organisation_id");`);
    this.addSql(`alter table "organisation_invitation" add constraint "organisation_invitation_link_id_unique" unique ("link_id");`);

    this.addSql(`create table "organisation_join_request" ("id" uuid not null, "organisation_id" uuid not null, "account_id" uuid not null, "status" text not null default 'pending', "decided_by" uuid null, "decided_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_join_request_organisation_id_index" on "organisation_join_request" ("organisation_id");`);
    this.addSql(`create index "organisation_join_request_account_id_index" on "organisation_join_request" ("account_id");`);

    this.addSql(`create table "organisation_membership" ("id" uuid not null, "organisation_id" uuid not null, "account_id" uuid not null, "role" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_membership_account_id_index" on "organisation_membership" ("account_id");`);
    this.addSql(`alter table "organisation_membership" add constraint "organisation_membership_organisation_id_account_id_unique" unique ("organisation_id", "account_id");`);

    this.addSql(`create table "organisation_group_member" ("id" uuid not null, "group_id" uuid not null, "membership_id" uuid not null, primary key ("id"));`);
    this.addSql(`create index "organisation_group_member_membership_id_index" on "organisation_group_member" ("membership_id");`);
    this.addSql(`alter table "organisation_group_member" add constraint "organisation_group_member_group_id_membership_id_unique" unique ("group_id", "membership_id");`);

    this.addSql(`create table "organisation_role_request" ("id" uuid not null, "organisation_id" uuid not null, "membership_id" uuid not null, "client_id" varchar(255) not null, "roles" jsonb not null, "justification" varchar(1000) not null, "status" text not null default 'pending', "decided_by" uuid null, "decided_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_role_request_organisation_id_index" on "organisation_role_request" ("organisation_id");`);
    this.addSql(`create index "organisation_role_request_membership_id_index" on "organisation_role_request" ("membership_id");`);

    this.addSql(`create table "organisation_service_assignment" ("id" uuid not null, "organisation_id" uuid not null, "membership_id" uuid null, "group_id" uuid null, "client_id" varchar(255) not null, "roles" jsonb not null default '[]', "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_service_assignment_organisation_id_index" on "organisation_service_assignment" ("organisation_id");`);
    this.addSql(`alter table "organisation_service_assignment" add constraint "organisation_service_assignment_membership_id_client_id_unique" unique ("membership_id", "client_id");`);
    this.addSql(`alter table "organisation_service_assignment" add constraint "organisation_service_assignment_group_id_client_id_unique" unique ("group_id", "client_id");`);

    this.addSql(`create table "organisation_subscription" ("id" uuid not null, "organisation_id" uuid not null, "client_id" varchar(255) not null, "status" text not null, "decided_by" varchar(64) null, "decided_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "organisation_subscription_client_id_index" on "organisation_subscription" ("client_id");`);
    this.addSql(`alter table "organisation_subscription" add constraint "organisation_subscription_organisation_id_client_id_unique" unique ("organisation_id", "client_id");`);

    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" alter column "account_id" drop not null;`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code', 'email_change', 'organisation_invitation'));`);

    this.addSql(`alter table "organisation" add constraint "organisation_legal_form_check" check ("legal_form" in ('gmbh', 'ug', 'ag', 'kg', 'gmbh_co_kg', 'ohg', 'gbr', 'ek', 'sole_trader', 'eg', 'ev', 'foundation', 'public_authority', 'public_corporation', 'other'));`);
    this.addSql(`alter table "organisation" add constraint "organisation_postal_address_check" check ("postal_address" in ('street', 'po_box'));`);
    this.addSql(`alter table "organisation" add constraint "organisation_status_check" check ("status" in ('active'));`);

    this.addSql(`alter table "organisation_choice" add constraint "organisation_choice_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_choice" add constraint "organisation_choice_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);

    this.addSql(`alter table "organisation_group" add constraint "organisation_group_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);

    this.addSql(`alter table "organisation_invitation" add constraint "organisation_invitation_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_invitation" add constraint "organisation_invitation_role_check" check ("role" in ('admin', 'member'));`);
    this.addSql(`alter table "organisation_invitation" add constraint "organisation_invitation_status_check" check ("status" in ('pending', 'accepted', 'withdrawn'));`);

    this.addSql(`alter table "organisation_join_request" add constraint "organisation_join_request_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_join_request" add constraint "organisation_join_request_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_join_request" add constraint "organisation_join_request_status_check" check ("status" in ('pending', 'accepted', 'rejected'));`);

    this.addSql(`alter table "organisation_membership" add constraint "organisation_membership_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_membership" add constraint "organisation_membership_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_membership" add constraint "organisation_membership_role_check" check ("role" in ('admin', 'member'));`);

    this.addSql(`alter table "organisation_group_member" add constraint "organisation_group_member_group_id_foreign" foreign key ("group_id") references "organisation_group" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_group_member" add constraint "organisation_group_member_membership_id_foreign" foreign key ("membership_id") references "organisation_membership" ("id") on delete cascade;`);

    this.addSql(`alter table "organisation_role_request" add constraint "organisation_role_request_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_role_request" add constraint "organisation_role_request_membership_id_foreign" foreign key ("membership_id") references "organisation_membership" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_role_request" add constraint "organisation_role_request_status_check" check ("status" in ('pending', 'accepted', 'rejected'));`);

    this.addSql(`alter table "organisation_service_assignment" add constraint "organisation_service_assignment_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_service_assignment" add constraint "organisation_service_assignment_membership_id_foreign" foreign key ("membership_id") references "organisation_membership" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_service_assignment" add constraint "organisation_service_assignment_group_id_foreign" foreign key ("group_id") references "organisation_group" ("id") on delete cascade;`);

    this.addSql(`alter table "organisation_subscription" add constraint "organisation_subscription_organisation_id_foreign" foreign key ("organisation_id") references "organisation" ("id") on delete cascade;`);
    this.addSql(`alter table "organisation_subscription" add constraint "organisation_subscription_status_check" check ("status" in ('pending', 'approved', 'rejected'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "organisation_choice" drop constraint "organisation_choice_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_group" drop constraint "organisation_group_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_invitation" drop constraint "organisation_invitation_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_join_request" drop constraint "organisation_join_request_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_membership" drop constraint "organisation_membership_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_role_request" drop constraint "organisation_role_request_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_service_assignment" drop constraint "organisation_service_assignment_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_subscription" drop constraint "organisation_subscription_organisation_id_foreign";`);
    this.addSql(`alter table "organisation_group_member" drop constraint "organisation_group_member_group_id_foreign";`);
    this.addSql(`alter table "organisation_service_assignment" drop constraint "organisation_service_assignment_group_id_foreign";`);
    this.addSql(`alter table "organisation_group_member" drop constraint "organisation_group_member_membership_id_foreign";`);
    this.addSql(`alter table "organisation_role_request" drop constraint "organisation_role_request_membership_id_foreign";`);
    this.addSql(`alter table "organisation_service_assignment" drop constraint "organisation_service_assignment_membership_id_foreign";`);

    this.addSql(`drop table if exists "organisation" cascade;`);
    this.addSql(`drop table if exists "organisation_choice" cascade;`);
    this.addSql(`drop table if exists "organisation_group" cascade;`);
    this.addSql(`drop table if exists "organisation_invitation" cascade;`);
    this.addSql(`drop table if exists "organisation_join_request" cascade;`);
    this.addSql(`drop table if exists "organisation_membership" cascade;`);
    this.addSql(`drop table if exists "organisation_group_member" cascade;`);
    this.addSql(`drop table if exists "organisation_role_request" cascade;`);
    this.addSql(`drop table if exists "organisation_service_assignment" cascade;`);
    this.addSql(`drop table if exists "organisation_subscription" cascade;`);

    this.addSql(`alter table "verification_token" drop constraint "verification_token_purpose_check";`);
    this.addSql(`alter table "verification_token" alter column "account_id" set not null;`);
    this.addSql(`alter table "verification_token" add constraint "verification_token_purpose_check" check ("purpose" in ('email_confirmation', 'password_reset', 'login_code', 'enrol_email_code', 'email_change'));`);
  }

}
