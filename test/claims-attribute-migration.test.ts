import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/sql';
import { ormOptions } from '../config/mikro-orm.ts';
import { configFile } from './helpers/config-file.ts';
import { createTestDatabase, startTestKontor } from './helpers/kontor.ts';

/** The last migration before the attribute table: the database as an installation of the previous version has it. */
const BEFORE = 'Migration20261201105211_credentials';

describe('the attribute migration', () => {
  it("copies every account's names, e-mail, salutation and profile fields into attributes, which the composer then releases", async () => {
    const database = await createTestDatabase({ migrated: false });
    const orm = await MikroORM.init(ormOptions({ url: database.url, embeddedDir: 'memory://', poolMax: 2 }));
    const accountId = randomUUID();
    try {
      const migrator = orm.migrator as Migrator;
      await migrator.up({ to: BEFORE });
      const em = orm.em.fork() as EntityManager;
      await em.execute(
        `insert into account (id, email, email_normalized, email_verified, salutation, given_name, family_name, profile, locale, status, created_at, updated_at)
         values (?, 'bestand@example.org', 'bestand@example.org', true, 'ms', 'Erika', 'Mustermann', '{"birthYear": 1964, "department": "Bauamt"}', 'de', 'active', now(), now())`,
        [accountId],
      );
      await migrator.up();
      const rows = await em.execute<Array<{ name: string; value: unknown; level: string; source: string }>>(
        'select name, value, level, source from account_attribute where account_id = ? order by name',
        [accountId],
        'all',
      );
      expect(rows).toEqual([
        { name: 'email', value: 'bestand@example.org', level: 'basisregistrierung', source: 'email_confirmed' },
        { name: 'email_verified', value: true, level: 'basisregistrierung', source: 'email_confirmed' },
        { name: 'family_name', value: 'Mustermann', level: 'basisregistrierung', source: 'self_entered' },
        { name: 'gender', value: 'female', level: 'basisregistrierung', source: 'self_entered' },
        { name: 'given_name', value: 'Erika', level: 'basisregistrierung', source: 'self_entered' },
        { name: 'profile.birthYear', value: 1964, level: 'basisregistrierung', source: 'self_entered' },
        { name: 'profile.department', value: 'Bauamt', level: 'basisregistrierung', source: 'self_entered' },
      ]);
      // Back to before this migration, whatever came after it.
      await migrator.down({ to: BEFORE });
      expect(await em.execute("select to_regclass('account_attribute') as t", [], 'get')).toEqual({ t: null });
      await migrator.up();
    } finally {
      await orm.close(true);
    }

    // The deployment now maps the birth year to birthdate: the copied field is released under that claim.
    const profileFields = [{ name: 'birthYear', type: 'integer', label: { de: 'Geburtsjahr', en: 'Year of birth' }, claim: 'birthdate' }];
    const kontor = await startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_CONFIG_FILE: configFile({ registration: { profileFields } }) });
    try {
      const client = await kontor.container.clients.create(
        { name: 'Bestand', redirectUris: ['http://127.0.0.1:9/cb'] },
        kontor.container.validateClientMetadata,
      );
      const composition = await kontor.container.composer.compose({
        accountId,
        clientId: client.clientId,
        sessionLevel: 'niedrig',
        scopes: ['openid', 'profile', 'email'],
        requested: {},
        rejected: [],
        use: 'consent',
      });
      expect(composition?.claims).toMatchObject({ given_name: 'Erika', name: 'Erika Mustermann', gender: 'female', birthdate: '1964', email_verified: true });
      expect(JSON.stringify(composition?.claims)).not.toContain('Bauamt');
    } finally {
      await kontor.stop();
      await database.drop();
    }
  });
});
