import { HashingBusyError, PasswordHasher } from './password-hasher.ts';

const OWASP_MINIMUM = { memoryKiB: 19 * 1024, timeCost: 2, parallelism: 1 };

describe('the password hasher’s concurrency cap', () => {
  it('runs at most maxConcurrent hashes, queues up to maxQueued and refuses the next with 503 and Retry-After', async () => {
    const hasher = new PasswordHasher(OWASP_MINIMUM, { maxConcurrent: 1, maxQueued: 1 });
    const running = hasher.hash('erstes-Passwort-1');
    const queued = hasher.hash('zweites-Passwort-2');
    expect(hasher.load()).toEqual({ active: 1, queued: 1 });

    const refused = await hasher.hash('drittes-Passwort-3').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(HashingBusyError);
    expect(refused).toMatchObject({ code: 'password.busy', status: 503 });
    expect((refused as HashingBusyError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // The queued hash took the freed slot; this verification waits behind it.
    await expect(hasher.verify(await running, 'erstes-Passwort-1')).resolves.toBe(true);

    await expect(queued).resolves.toMatch(/^\$argon2id\$/);
    expect(hasher.load()).toEqual({ active: 0, queued: 0 });
  });

  it('refuses a verification while the gate is full, and serves again once a slot is free', async () => {
    const hasher = new PasswordHasher(OWASP_MINIMUM, { maxConcurrent: 1, maxQueued: 0 });
    const hash = await hasher.hash('Musterstadt-2026');
    const running = hasher.verify(hash, 'Musterstadt-2026');
    await expect(hasher.verify(hash, 'Musterstadt-2026')).rejects.toBeInstanceOf(HashingBusyError);
    await expect(running).resolves.toBe(true);
    await expect(hasher.verify(hash, 'falsch')).resolves.toBe(false);
  });

  it('frees the slot when a hash fails', async () => {
    const hasher = new PasswordHasher(OWASP_MINIMUM, { maxConcurrent: 1, maxQueued: 0 });
    await expect(hasher.verify('not-a-phc-string', 'x')).resolves.toBe(false);
    expect(hasher.load()).toEqual({ active: 0, queued: 0 });
    await expect(hasher.hash('Musterstadt-2026')).resolves.toMatch(/^\$argon2id\$/);
  });
});
