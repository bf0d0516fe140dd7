import { Migration } from '@mikro-orm/migrations';

export class Migration20261201133738_federation extends Migration {

  override name = 'Migration20261201133738_federation';

  override up(): void | Promise<void> {
    this.addSql(`create table "federation_request" ("id" uuid not null, "state_hash" varchar(64) not null, "browser_hash" varchar(64) not null, "interaction_uid" varchar(64) not null, "upstream_id" varchar(40) not null, "nonce" varchar(64) not null, "code_verifier_encrypted" text not null, "asked_acr" jsonb not null, "status" text not null default 'pending', "identity_encrypted" text null, "expires_at" timestamptz not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "federation_request" add constraint "federation_request_state_hash_unique" unique ("state_hash");`);
    this.addSql(`create index "federation_request_interaction_uid_index" on "federation_request" ("interaction_uid");`);
    this.addSql(`create index "federation_request_expires_at_index" on "federation_request" ("expires_at");`);

    this.addSql(`alter table "credential" drop constraint "credential_type_check";`);
    this.addSql(`create unique index "credential_federated_identity" on "credential" ("identifier") where type = 'federated';`);
    this.addSql(`alter table "credential" add constraint "credential_type_check" check ("type" in ('password', 'totp', 'email_code', 'recovery_code', 'federated'));`);

    this.addSql(`alter table "federation_request" add constraint "federation_request_status_check" check ("status" in ('pending', 'verified', 'done', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "federation_request" cascade;`);

    this.addSql(`drop index "credential_federated_identity";`);
    this.addSql(`alter table "credential" drop constraint "credential_type_check";`);
    this.addSql(`alter table "credential" add constraint "credential_type_check" check ("type" in ('password', 'totp', 'email_code', 'recovery_code'));`);
  }

}
