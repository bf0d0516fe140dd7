import { DELETED_PREFIX, deletedAccountPseudonym } from './account-pseudonym.ts';

const SECRET = 'unit-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const ID = '0b0e8a52-4f4b-4d43-9b8a-2f7c3c1d9e10';

describe('deletedAccountPseudonym', () => {
  it('is deterministic: the same id under the same secret gives the same pseudonym', () => {
    expect(deletedAccountPseudonym(SECRET, ID)).toBe(deletedAccountPseudonym(SECRET, ID));
  });

  it('is marked as a deleted account and does not contain the id', () => {
    const pseudonym = deletedAccountPseudonym(SECRET, ID);
    expect(pseudonym.startsWith(DELETED_PREFIX)).toBe(true);
    expect(pseudonym).not.toContain(ID);
    expect(pseudonym.toLowerCase()).not.toContain(ID.replaceAll('-', '').slice(0, 8));
    expect(pseudonym).toMatch(/^deleted:[A-Za-z0-9_-]{43}$/);
  });

  it('differs per account and per secret', () => {
    const other = '5d3c2b1a-0000-4000-8000-000000000001';
    expect(deletedAccountPseudonym(SECRET, other)).not.toBe(deletedAccountPseudonym(SECRET, ID));
    expect(deletedAccountPseudonym(`${SECRET}-rotated`, ID)).not.toBe(deletedAccountPseudonym(SECRET, ID));
  });
});
