import { isLoopbackAddress } from './loopback-only.ts';

describe('loopback addresses', () => {
  it('recognises IPv4 loopback, IPv6 loopback and the IPv4-mapped form', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.1'])
      expect([address, isLoopbackAddress(address)]).toEqual([address, true]);
  });

  it('refuses every other address, and none', () => {
    for (const address of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '128.0.0.1', '', undefined])
      expect([address, isLoopbackAddress(address)]).toEqual([address, false]);
  });
});
