import { qrSvg } from './qr-svg.ts';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from './recovery-codes.ts';
import { newTotpSecret, totpCodeAt, totpStepOf, totpUri } from './totp.ts';

/** The start of RFC 6238 time step 60 000 000 plus 10 s, away from any step boundary. */
const AT = new Date((60_000_000 * 30 + 10) * 1000);
const seconds = (offset: number) => new Date(AT.getTime() + offset * 1000);

describe('TOTP codes (RFC 6238: 30 s steps, 6 digits, SHA-1)', () => {
  const secret = newTotpSecret();

  it('makes a 160-bit base32 secret', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('accepts the code of the current step and of one step either side, and names the step', async () => {
    await expect(totpStepOf(secret, await totpCodeAt(secret, AT), AT)).resolves.toBe(60_000_000);
    await expect(totpStepOf(secret, await totpCodeAt(secret, seconds(-30)), AT)).resolves.toBe(59_999_999);
    await expect(totpStepOf(secret, await totpCodeAt(secret, seconds(30)), AT)).resolves.toBe(60_000_001);
  });

  it('refuses codes two steps away, malformed input and another secret’s code', async () => {
    await expect(totpStepOf(secret, await totpCodeAt(secret, seconds(-60)), AT)).resolves.toBeNull();
    await expect(totpStepOf(secret, await totpCodeAt(secret, seconds(60)), AT)).resolves.toBeNull();
    await expect(totpStepOf(secret, '12345', AT)).resolves.toBeNull();
    await expect(totpStepOf(secret, 'abcdef', AT)).resolves.toBeNull();
    await expect(totpStepOf(newTotpSecret(), await totpCodeAt(secret, AT), AT)).resolves.toBeNull();
  });

  it('ignores the space apps put in the middle of a code', async () => {
    const code = await totpCodeAt(secret, AT);
    await expect(totpStepOf(secret, `${code.slice(0, 3)} ${code.slice(3)}`, AT)).resolves.toBe(60_000_000);
  });

  it('names issuer and account in the otpauth URI', () => {
    const uri = new URL(totpUri('Kontor Servicekonto', 'erika@example.org', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Kontor Servicekonto:erika@example.org');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Kontor Servicekonto');
  });
});

describe('recovery codes', () => {
  it('are ten symbols of an alphabet without I, L, O and U, grouped in fives', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
    expect(RECOVERY_CODE_COUNT).toBe(10);
  });

  it('accept input without dash, with spaces, in any case, and with O, I or L for 0 and 1', () => {
    expect(normalizeRecoveryCode('ab3de-fg1hk')).toBe('AB3DEFG1HK');
    expect(normalizeRecoveryCode(' AB3DE FG1HK ')).toBe('AB3DEFG1HK');
    expect(normalizeRecoveryCode('ab3defg1hk')).toBe('AB3DEFG1HK');
    expect(normalizeRecoveryCode('O0ILl-12345')).toBe('0011112345');
  });

  it('refuse what cannot be a recovery code', () => {
    expect(normalizeRecoveryCode('AB3DE-FG1H')).toBeNull();
    expect(normalizeRecoveryCode('AB3DE-FG1HKX')).toBeNull();
    expect(normalizeRecoveryCode('AB3DE-FG1HU')).toBeNull();
    expect(normalizeRecoveryCode('')).toBeNull();
  });

  it('are stored as a keyed hash bound to the account', () => {
    const key = Buffer.alloc(32, 7);
    const hash = recoveryCodeHash(key, 'account-a', 'AB3DEFG1HK');
    expect(hash).not.toContain('AB3DE');
    expect(recoveryCodeHash(key, 'account-b', 'AB3DEFG1HK')).not.toBe(hash);
    expect(recoveryCodeHash(Buffer.alloc(32, 8), 'account-a', 'AB3DEFG1HK')).not.toBe(hash);
  });
});

describe('the QR code SVG', () => {
  const svg = qrSvg('otpauth://totp/Kontor%20Servicekonto:erika%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Kontor%20Servicekonto');

  it('is one inline SVG that a strict CSP allows: no style attribute, no script, no external reference', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
    expect(svg).not.toMatch(/style|<script|href|url\(|on\w+=/i);
    expect(svg).toContain('fill="#000000"');
    expect(svg).toMatch(/<\/svg>$/);
  });

  it('keeps the four-module quiet zone around the symbol', () => {
    const size = Number(/viewBox="0 0 (\d+)/.exec(svg)![1]);
    const moves = [...svg.matchAll(/M(\d+) (\d+)h(\d+)/g)].map((move) => move.slice(1).map(Number) as [number, number, number]);
    expect(moves.length).toBeGreaterThan(100);
    for (const [x, y, run] of moves) {
      expect(x).toBeGreaterThanOrEqual(4);
      expect(y).toBeGreaterThanOrEqual(4);
      expect(x + run).toBeLessThanOrEqual(size - 4);
      expect(y).toBeLessThan(size - 4);
    }
  });
});
