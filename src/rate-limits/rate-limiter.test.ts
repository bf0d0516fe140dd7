import { clientAddressKey } from './rate-limiter.ts';

describe('clientAddressKey (the unit a per-IP limit counts)', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientAddressKey('192.0.2.17')).toBe('192.0.2.17');
    expect(clientAddressKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientAddressKey('::ffff:192.0.2.17')).toBe('192.0.2.17');
    expect(clientAddressKey('::FFFF:192.0.2.17')).toBe('192.0.2.17');
    expect(clientAddressKey('::ffff:127.0.0.1')).toBe(clientAddressKey('127.0.0.1'));
  });

  it('gives every address of one IPv6 /64 the same key', () => {
    const key = clientAddressKey('2001:db8:1234:5678::1');
    expect(clientAddressKey('2001:db8:1234:5678:aaaa:bbbb:cccc:dddd')).toBe(key);
    expect(clientAddressKey('2001:0db8:1234:5678:0000:0000:0000:ffff')).toBe(key);
    expect(clientAddressKey('2001:DB8:1234:5678::abcd')).toBe(key);
    expect(key).toBe('2001:db8:1234:5678::/64');
  });

  it('gives addresses in different IPv6 /64 networks different keys', () => {
    expect(clientAddressKey('2001:db8:1234:5678::1')).not.toBe(clientAddressKey('2001:db8:1234:5679::1'));
    expect(clientAddressKey('2001:db8::1')).not.toBe(clientAddressKey('2001:db8:0:1::1'));
    expect(clientAddressKey('2001:db8::1')).not.toBe(clientAddressKey('2001:db9::1'));
  });

  it('expands compressed IPv6 forms before taking the /64', () => {
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:db8::1')).toBe(clientAddressKey('2001:0db8:0000:0000:0000:0000:0000:0002'));
    expect(clientAddressKey('2001:db8::1')).toBe(clientAddressKey('2001:db8:0:0:ffff::1'));
    expect(clientAddressKey('2001:db8:0:0:1::')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64');
    expect(clientAddressKey('2001:db8:a::')).toBe('2001:db8:a:0::/64');
  });
});
