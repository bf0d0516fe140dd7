import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockEmbeddedDatabase } from './embedded-lock.ts';

describe('embedded database lock', () => {
  const dataDir = () => join(mkdtempSync(join(tmpdir(), 'kontor-lock-')), 'pglite');

  it('refuses a second holder with a message that says what to do', () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, String(process.ppid)); // a live process that is not us
    expect(() => lockEmbeddedDatabase(dir)).toThrow(/in use by process \d+.*DATABASE_URL/s);
  });

  it('treats an empty or unreadable lock file as held, not as stale', () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, '');
    expect(() => lockEmbeddedDatabase(dir)).toThrow(/in use by process \(unknown\)/);
  });

  it('does not delete, on release, a lock that another process holds by then', () => {
    const dir = dataDir();
    const release = lockEmbeddedDatabase(dir);
    writeFileSync(`${dir}.lock`, String(process.ppid)); // pretend another live process took it meanwhile
    release(); // must not delete a lock that is no longer ours
    expect(existsSync(`${dir}.lock`)).toBe(true);
  });

  it('takes over a lock whose process is gone and releases it', () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, '999999999');
    const release = lockEmbeddedDatabase(dir);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
