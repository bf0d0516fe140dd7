import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * PGlite takes no lock on its data folder: a second process opening it silently loses acknowledged writes.
 * This lock file makes the second process (a second server, or the CLI while the server runs) fail clearly.
 * The lock appears atomically with our pid in it (hard link of a finished file), and a stale lock is taken
 * over by renaming it away first, so of two processes only one can win.
 */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  const mine = `${lockPath}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        linkSync(mine, lockPath);
        return () => {
          if (holderOf(lockPath) === process.pid) rmSync(lockPath, { force: true }); // never someone else's
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderOf(lockPath);
      if (holder === 'gone') continue; // released meanwhile: try again
      if (holder === 'unreadable' || isAlive(holder)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${holder === 'unreadable' ? '(unknown)' : holder}. PGlite allows one ` +
            'process at a time: stop that process first (the CLI cannot run beside `npm start` on the embedded ' +
            `database), or set DATABASE_URL to use a PostgreSQL server. If no such process runs, delete ${lockPath}.`,
        );
      }
      // Stale: its process is gone. Rename it away (only one contender's rename succeeds), then retry.
      try {
        renameSync(lockPath, `${lockPath}.stale.${process.pid}`);
        rmSync(`${lockPath}.stale.${process.pid}`, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(`Could not lock the embedded database in ${dataDir}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** The pid in the lock file; an unreadable lock counts as held, never as stale. */
function holderOf(lockPath: string): number | 'unreadable' | 'gone' {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
