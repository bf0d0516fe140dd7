import { Migration } from '@mikro-orm/migrations';

export class Migration20261201142316_attribute_source_ref extends Migration {

  override name = 'Migration20261201142316_attribute_source_ref';

  override up(): void | Promise<void> {
    this.addSql(`alter table "account_attribute" add "source_ref" varchar(80) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "account_attribute" drop column "source_ref";`);
  }

}
