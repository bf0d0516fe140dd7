import { MikroORM } from '@mikro-orm/core';
import { ormOptions } from '../config/mikro-orm.ts';
import { pendingMigrations, type Orm } from '../src/db/orm.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

// The suite's speed rests on this: migrating costs seconds per database, copying the run's template costs
// milliseconds. A regression (a test database that is empty again) would not fail any other test, only slow
// every one of them down.
describe('test databases', () => {
  async function pendingIn(database: TestDatabase): Promise<string[]> {
    const orm = (await MikroORM.init(ormOptions({ url: database.url, embeddedDir: 'memory://', poolMax: 1 }))) as Orm;
    try {
      return await pendingMigrations(orm);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  }

  it("are copies of the run's migrated template, with no migration pending", async () => {
    expect(process.env.KONTOR_TEST_TEMPLATE_DB).toMatch(/^kontor_template_/);
    expect(await pendingIn(await createTestDatabase())).toEqual([]);
  });

  it('can be asked for empty, for the tests about migrating', async () => {
    expect((await pendingIn(await createTestDatabase({ migrated: false }))).length).toBeGreaterThan(0);
  });
});
