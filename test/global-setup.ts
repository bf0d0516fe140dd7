import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { ormOptions } from '../config/mikro-orm.ts';
import { migrate } from '../src/db/orm.ts';
import { adminQuery, TEMPLATE_ENV, TEST_PG_URL } from './helpers/test-database.ts';

/**
 * Migrates one template database per test run; every test database is then a copy of it
 * (`create database … template …`, milliseconds) instead of running every migration again. The name goes
 * to the workers through the environment, which they inherit (they start after this runs).
 */
export default async function globalSetup(): Promise<void> {
  const name = `kontor_template_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const orm = await MikroORM.init(ormOptions({ url: url.href, embeddedDir: 'memory://', poolMax: 2 }));
  try {
    await migrate(orm);
  } finally {
    // A template must have no open connection when it is copied.
    await orm.close(true);
  }
  process.env[TEMPLATE_ENV] = name;
}
