import { adminQuery, TEMPLATE_ENV } from './helpers/test-database.ts';

/** Drops the run's template database (see global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  const name = process.env[TEMPLATE_ENV];
  if (name) await adminQuery(`drop database if exists "${name}" with (force)`);
}
