import { safeReturnPath } from './account-login.ts';

describe('safeReturnPath', () => {
  it('keeps paths of the account area with their query', () => {
    expect(safeReturnPath('/account')).toBe('/account');
    expect(safeReturnPath('/account/sessions')).toBe('/account/sessions');
    expect(safeReturnPath('/account/email?step=2')).toBe('/account/email?step=2');
  });

  it.each([
    undefined,
    '',
    'account',
    '/accounts',
    '/account/../interaction/x',
    '//evil.example/account',
    'https://evil.example/account',
    '/\\evil.example',
    '/account\\x',
    '/account/\nx',
    'x'.repeat(600),
  ])('sends %p to /account', (value) => {
    expect(safeReturnPath(value)).toBe('/account');
  });
});
