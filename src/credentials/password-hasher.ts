import argon2 from 'argon2';

export interface Argon2Parameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id with explicit parameters (not the library defaults, which cost ~190 ms here). The PHC string
 * stores the parameters, so raising them later still verifies old hashes; `needsRehash` tells when to upgrade.
 */
export class PasswordHasher {
  private readonly parameters: Argon2Parameters;
  private dummyHash: Promise<string> | undefined;

  constructor(parameters: Argon2Parameters) {
    this.parameters = parameters;
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.parameters.memoryKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, {
      memoryCost: this.parameters.memoryKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    });
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
