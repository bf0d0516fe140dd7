import { createRequire } from 'node:module';

// NIST SP 800-63B §5.1.1.2 (rev. 3; §3.1.1.2 in rev. 4) and OWASP ASVS 4.0.3 V2.1.7: a new password is checked
// against a list of passwords obtained from previous breach corpuses. The list ships inside the package
// @zxcvbn-ts/language-common: 49,233 passwords, lower-cased, each found more than 10 times among the ten
// million leaked credentials Mark Burnett published (xato.net, 2015), ASCII only, without those that
// zxcvbn's own pattern matchers (sequences, repeats, keyboard walks, dates) already rate weaker. No network
// at run time; an update is an ordinary dependency update.

/** The password as the list spells it: NFKC-folded and lower-cased (see isCommonPassword). */
export function normalizeForComparison(password: string): string {
  return password.normalize('NFKC').toLowerCase();
}

let common: ReadonlySet<string> | undefined;

/**
 * The list, read on first use and kept for the life of the process (measured on Node 24: 30–40 ms, about
 * 15 MB of memory of which 4 MB heap; a lookup then takes about 0.1 µs). Processes that never check a new
 * password (the CLI, most tests) do not pay for it. Read synchronously through require because the policy
 * check is synchronous; the package's CommonJS build is its public entry point.
 */
function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<'passwords-common', string[]> };
    common = new Set(dictionary['passwords-common'].map(normalizeForComparison));
  }
  return common;
}

/**
 * Whether the password is on the list. The comparison ignores case and Unicode compatibility forms
 * (NFKC: full-width letters, ligatures): "P@ssw0rd", "P@SSW0RD" and "Ｐ@ssw0rd" are all the breached
 * "p@ssw0rd"; capitalising a listed password is the first variation a guessing attack tries, and
 * composition rules nudge people to exactly that.
 */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(normalizeForComparison(password));
}
