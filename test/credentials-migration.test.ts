import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/sql';
import { ormOptions } from '../config/mikro-orm.ts';
import { PasswordHasher } from '../src/credentials/password-hasher.ts';
import { createTestDatabase, startTestKontor } from './helpers/kontor.ts';

/** The last migration before the credential table: the database as an installation of the previous version has it. */
const BEFORE = 'Migration20261201082821_oidc_payload_account';

describe('the credential migration', () => {
  it('moves every stored password into the credential table, so its owner still logs in, and back on the way down', async () => {
    const database = await createTestDatabase({ migrated: false });
    const orm = await MikroORM.init(ormOptions({ url: database.url, embeddedDir: 'memory://', poolMax: 2 }));
    try {
      const migrator = orm.migrator as Migrator;
      await migrator.up({ to: BEFORE });
      const em = orm.em.fork() as EntityManager;
      const accountId = randomUUID();
      const hash = await new PasswordHasher({ memoryKiB: 19 * 1024, timeCost: 2, parallelism: 1 }).hash('Altes-Passwort-2025');
      await em.execute(
        `insert into account (id, email, email_normalized, email_verified, given_name, family_name, profile, locale, status, created_at, updated_at)
         values (?, 'bestand@example.org', 'bestand@example.org', true, 'Erika', 'Mustermann', '{}', 'de', 'active', now(), now())`,
        [accountId],
      );
      await em.execute(`insert into password_credential (account_id, hash, created_at, updated_at) values (?, ?, now() - interval '1 year', now())`, [
        accountId,
        hash,
      ]);

      await migrator.up();
      const rows = await em.execute<Array<{ type: string; secret_hash: string; created_at: string }>>(
        'select type, secret_hash, created_at from credential where account_id = ?',
        [accountId],
        'all',
      );
      expect(rows).toEqual([{ type: 'password', secret_hash: hash, created_at: expect.any(String) }]);
      expect(Date.now() - new Date(rows[0]!.created_at).getTime()).toBeGreaterThan(300 * 86_400_000);
      expect(await em.execute("select to_regclass('password_credential') as t", [], 'get')).toEqual({ t: null });

      // Back to the state before the credential migration, whatever came after it.
      await migrator.down({ to: BEFORE });
      expect(await em.execute('select hash from password_credential where account_id = ?', [accountId], 'all')).toEqual([{ hash }]);
      await migrator.up();
    } finally {
      await orm.close(true);
    }

    const kontor = await startTestKontor('postgres', { DATABASE_URL: database.url });
    try {
      expect(await kontor.container.passwords.check('bestand@example.org', 'Altes-Passwort-2025')).toMatchObject({ kind: 'valid' });
      expect(await kontor.container.passwords.check('bestand@example.org', 'Falsches-Passwort-1')).toMatchObject({ kind: 'invalid' });
    } finally {
      await kontor.stop();
      await database.drop();
    }
  });
});
