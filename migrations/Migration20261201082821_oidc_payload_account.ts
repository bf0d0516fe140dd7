import { Migration } from '@mikro-orm/migrations';

export class Migration20261201082821_oidc_payload_account extends Migration {

  override name = 'Migration20261201082821_oidc_payload_account';

  override up(): void | Promise<void> {
    // From this version on, artifacts are stored under a keyed hash of their id (src/oidc/artifact-ids.ts),
    // which SQL cannot compute without KONTOR_SECRET: the old rows could never be found again, and they hold
    // tokens, codes and session ids in clear. Removing them logs everyone out once (docs/operations.md).
    this.addSql(`delete from "oidc_payload";`);
    this.addSql(`alter table "oidc_payload" add "account_id" varchar(255) null;`);
    this.addSql(`create index "oidc_payload_account_id_index" on "oidc_payload" ("account_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "oidc_payload_account_id_index";`);
    this.addSql(`alter table "oidc_payload" drop column "account_id";`);
  }

}
