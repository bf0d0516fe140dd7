import argon2 from 'argon2';
import { AppError } from '../shared/app-error.ts';

export interface Argon2Parameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

export interface HashingLimits {
  /** Hashes and verifications running at once in this process. */
  maxConcurrent: number;
  /** Callers waiting for a slot; one more is refused with {@link HashingBusyError}. */
  maxQueued: number;
}

/**
 * Every slot and queue place taken: answered 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3) and the
 * error page, instead of queueing without end.
 */
export class HashingBusyError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds = 5) {
    super('password.busy', 503);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A counting semaphore with a bounded queue. argon2 runs in libuv's thread pool (4 threads by default),
 * which fs and dns share, and each hash holds `memoryKiB` while it runs: without a cap, a burst of
 * 60 registrations is 60 × 19 MiB at once and starves every other use of the pool.
 */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly limits: HashingLimits;

  constructor(limits: HashingLimits) {
    this.limits = limits;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limits.maxConcurrent) {
      if (this.waiting.length >= this.limits.maxQueued) throw new HashingBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter (active stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }
}

/** Generous enough that no caller of the constructor without limits ever sees a refusal. */
const UNLIMITED: HashingLimits = { maxConcurrent: 4, maxQueued: Number.MAX_SAFE_INTEGER };

/**
 * argon2id with explicit parameters (not the library defaults, which cost ~190 ms here). The PHC string
 * stores the parameters, so raising them later still verifies old hashes; `needsRehash` tells when to upgrade.
 * Hashing and verifying share one gate ({@link HashingLimits}), so no route can use more than its share.
 */
export class PasswordHasher {
  private readonly parameters: Argon2Parameters;
  private readonly gate: Gate;
  private dummyHash: Promise<string> | undefined;

  constructor(parameters: Argon2Parameters, limits: HashingLimits = UNLIMITED) {
    this.parameters = parameters;
    this.gate = new Gate(limits);
  }

  /** Rejects with {@link HashingBusyError} when every slot and queue place is taken. */
  hash(password: string): Promise<string> {
    return this.gate.run(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.parameters.memoryKiB,
        timeCost: this.parameters.timeCost,
        parallelism: this.parameters.parallelism,
      }),
    );
  }

  /** False for a wrong password or a malformed hash; rejects with {@link HashingBusyError} like `hash`. */
  async verify(hash: string, password: string): Promise<boolean> {
    return this.gate.run(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, {
      memoryCost: this.parameters.memoryKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    });
  }

  /** Hashes running and waiting now (for tests and metrics). */
  load(): { active: number; queued: number } {
    return this.gate.load();
  }

  /** Computes the dummy hash ahead of the first login, so the first unknown user costs no more than others. */
  warmUp(): Promise<void> {
    this.dummyHash ??= this.hash('kontor-timing-equaliser');
    return this.dummyHash.then(() => undefined);
  }

  /** Spends the same time as a real verification, for unknown users, so timing reveals no account. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('kontor-timing-equaliser');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
