import { decrypt, deriveKey, encrypt } from './crypto.ts';

describe('encryption at rest', () => {
  const key = deriveKey('a-test-secret-that-is-long-enough-123', 'signing-keys');

  it('round-trips a value under the same key and context', () => {
    const sealed = encrypt(key, '{"kty":"RSA"}', 'kid-1');
    expect(sealed).not.toContain('RSA');
    expect(decrypt(key, sealed, 'kid-1')).toBe('{"kty":"RSA"}');
  });

  it('refuses to decrypt under another context or another secret', () => {
    const sealed = encrypt(key, 'secret', 'kid-1');
    expect(() => decrypt(key, sealed, 'kid-2')).toThrow();
    expect(() => decrypt(deriveKey('another-secret-of-sufficient-length', 'signing-keys'), sealed, 'kid-1')).toThrow();
  });

  it('derives different keys for different purposes', () => {
    expect(deriveKey('s', 'a').equals(deriveKey('s', 'b'))).toBe(false);
  });
});
