/**
 * The account pool of the TOTP login benchmark (bench/login.ts, BENCH_LOGIN_MODE=totp|both).
 *
 * A TOTP code is accepted once per account and time step (RFC 6238 §5.2: Kontor stores the last accepted
 * step and refuses any step not newer), so one account can log in about once per 30 s. The server child
 * seeds many accounts, each with a confirmed app; the parent hands them out round-robin and computes each
 * code at the moment of the POST, as an app would.
 */
import { writeFileSync } from 'node:fs';
import { generate } from 'otplib';
import type { Container } from '../src/container.ts';

/** One seeded account: its login name and the base32 secret its (simulated) app holds. */
export interface TotpAccount {
  email: string;
  secret: string;
}

/** What the child writes to BENCH_TOTP_FILE: too large for the READY line at thousands of accounts. */
export interface TotpPoolFile {
  password: string;
  accounts: TotpAccount[];
  seconds: number;
}

/** RFC 6238 defaults, the parameters Kontor enrols (src/credentials/totp.ts). */
const PERIOD_SECONDS = 30;

/** The code an app shows at `epochSeconds`. */
export function totpCode(secret: string, epochSeconds: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(epochSeconds), algorithm: 'sha1', digits: 6, period: PERIOD_SECONDS });
}

/** Parallel seeding workers: below the default pool of 10, so the child's own statements never queue. */
const SEED_CONCURRENCY = 8;

/**
 * Server child: `count` verified accounts sharing one password, each with a confirmed TOTP app, written to
 * `file`. One argon2 hash serves all (hashing 3000 passwords would take minutes and measure nothing). The
 * enrolment is confirmed with the code of the *previous* time step (within the ±1 window), so the current
 * and the next step stay free for the benchmark's logins.
 */
export async function seedTotpAccounts(container: Container, count: number, password: string, file: string): Promise<{ seconds: number }> {
  const started = performance.now();
  const hash = await container.passwords.hash(password);
  // A documentation address (RFC 5737) for the enrolment's rate-limit key and audit events, not the login's.
  const context = { ip: '192.0.2.1', clientId: null, locale: 'de' as const };
  const accounts: TotpAccount[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const email = `bench-totp-${index}@example.org`;
      const account = await container.accounts.createVerified({ email, password, givenName: 'Erika', familyName: `Bench ${index}` }, (em, id) =>
        container.passwords.storeHash(em, id, hash),
      );
      const enrolment = await container.secondFactors.startTotpEnrolment(account.id, email);
      // A step boundary between computing the code and checking it puts the previous step out of the window:
      // then once more with a code computed anew.
      let outcome: Awaited<ReturnType<typeof container.secondFactors.confirmTotpEnrolment>> | undefined;
      for (let attempt = 0; attempt < 2 && outcome?.kind !== 'enrolled'; attempt++) {
        const code = await totpCode(enrolment.secret, Date.now() / 1000 - PERIOD_SECONDS);
        outcome = await container.secondFactors.confirmTotpEnrolment(account.id, code, context);
      }
      if (outcome?.kind !== 'enrolled') throw new Error(`TOTP enrolment of ${email}: ${outcome?.kind}`);
      accounts[index] = { email, secret: enrolment.secret };
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const content: TotpPoolFile = { password, accounts, seconds };
  writeFileSync(file, JSON.stringify(content));
  return { seconds };
}

/**
 * Parent: the accounts round-robin. An account is handed out again only 65 s after its last code (more
 * than two steps: its last accepted step is certainly past); when the pool is too small for the rate, the
 * worker waits, and the waits are counted so the report can say the pool limited the load.
 */
export class TotpPool {
  private readonly accounts: TotpAccount[];
  /** The one password all pool accounts share. */
  readonly password: string;
  private readonly lastUsed: number[];
  private next = 0;
  /** Times a worker had to wait for an account, and the seconds waited in all. */
  waits = 0;
  waitedSeconds = 0;
  static readonly REUSE_MS = 65_000;

  constructor({ accounts, password }: Pick<TotpPoolFile, 'accounts' | 'password'>) {
    if (!accounts.length) throw new Error('TOTP pool: no accounts');
    this.accounts = accounts;
    this.password = password;
    this.lastUsed = accounts.map(() => Number.NEGATIVE_INFINITY);
  }

  get size(): number {
    return this.accounts.length;
  }

  /** The next account; marks it used now (the code is computed moments later, see {@link codeFor}). */
  async take(): Promise<{ account: TotpAccount; codeFor(): Promise<string> }> {
    const index = this.next;
    this.next = (this.next + 1) % this.accounts.length;
    const wait = this.lastUsed[index]! + TotpPool.REUSE_MS - Date.now();
    // Marked before the wait, so the next worker takes the following account instead of this one.
    this.lastUsed[index] = Date.now() + Math.max(0, wait);
    if (wait > 0) {
      this.waits += 1;
      this.waitedSeconds += wait / 1000;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const account = this.accounts[index]!;
    return {
      account,
      codeFor: () => {
        this.lastUsed[index] = Date.now();
        return totpCode(account.secret, Date.now() / 1000);
      },
    };
  }
}
