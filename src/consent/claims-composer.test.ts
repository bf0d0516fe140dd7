import type { TrustLevel } from '../trust/index.ts';
import { ClaimsComposer, type ComposeInput, type ContributedAttribute } from './claims-composer.ts';
import { claimPolicyOf } from './client-claim-policy.ts';

const attribute = (name: string, value: unknown, level: TrustLevel = 'basisregistrierung'): ContributedAttribute => ({ name, value, level });
const ERIKA = [
  attribute('given_name', 'Erika', 'hoch'),
  attribute('family_name', 'Mustermann'),
  attribute('email', 'erika@example.org'),
  attribute('address.locality', 'Köln', 'hoch'),
  attribute('address.postal_code', '51147', 'substanziell'),
];
const composer = new ClaimsComposer({
  account: { supplies: ['given_name', 'family_name', 'email', 'email_verified', 'address.locality', 'address.postal_code'], attributesOf: async () => ERIKA },
  clientMetadata: async () => undefined,
});
const input = (overrides: Partial<ComposeInput> = {}): ComposeInput => ({
  accountId: 'a',
  clientId: 'c',
  sessionLevel: 'niedrig',
  scopes: ['openid', 'profile', 'email'],
  requested: {},
  rejected: [],
  use: 'consent',
  ...overrides,
});
const statusOf = (composition: ReturnType<ClaimsComposer['decide']>) => Object.fromEntries(composition.decisions.map((d) => [d.name, d.status]));

describe('the claims composer', () => {
  it('decides each touched claim: released, not registered, not consented, missing', async () => {
    const subject = (await composer.subject('a'))!;
    const policy = claimPolicyOf({ scope: 'openid profile email', sk_claims: ['given_name', 'family_name', 'name', 'email', 'email_verified'] });
    const composition = composer.decide(subject, input({ rejected: ['email'], requested: { address: { essential: true } } }), policy);
    expect(statusOf(composition)).toEqual({
      given_name: 'released',
      family_name: 'released',
      name: 'released',
      email: 'not_consented',
      email_verified: 'missing',
      address: 'not_registered',
    });
    expect(composition.decisions.find((d) => d.name === 'address')).toMatchObject({ essential: true });
    expect(composition.decisions.find((d) => d.name === 'email')).toMatchObject({ value: 'erika@example.org' });
    // name is as well verified as its weaker part.
    expect(composition.claims).toEqual({
      sub: 'a',
      given_name: 'Erika',
      family_name: 'Mustermann',
      name: 'Erika Mustermann',
      sk_claim_trust: { given_name: 'hoch', family_name: 'basisregistrierung', name: 'basisregistrierung' },
    });
  });

  it('releases a claim with a minimum only when both session and attribute reach it', async () => {
    const subject = (await composer.subject('a'))!;
    const policy = claimPolicyOf({ scope: 'openid profile', sk_claim_levels: { given_name: 'substanziell', family_name: 'niedrig' } });
    expect(statusOf(composer.decide(subject, input({ scopes: ['openid', 'profile'] }), policy))).toMatchObject({
      given_name: 'below_level',
      family_name: 'below_level',
      name: 'below_level',
    });
    const stepped = composer.decide(subject, input({ scopes: ['openid', 'profile'], sessionLevel: 'substanziell' }), policy);
    expect(statusOf(stepped)).toMatchObject({ given_name: 'released', family_name: 'below_level' });
    expect(stepped.decisions.find((d) => d.name === 'given_name')).toMatchObject({ level: 'hoch', requiredLevel: 'substanziell' });
  });

  it('composes the address of its members, formatted, at the lowest member level', async () => {
    const subject = (await composer.subject('a'))!;
    const composition = composer.decide(subject, input({ scopes: ['openid', 'address'] }), claimPolicyOf({ scope: 'openid address' }));
    expect(composition.claims.address).toEqual({ locality: 'Köln', postal_code: '51147', formatted: '51147 Köln' });
    expect(composition.released).toEqual([{ name: 'address', level: 'substanziell' }]);
  });

  it('gives an unknown client nothing', async () => {
    const composition = await composer.compose(input());
    expect(composition?.released).toEqual([]);
    expect(composition?.claims).toEqual({ sub: 'a' });
  });
});
