import { systemClock, TestClock } from './clock.ts';

describe('clocks', () => {
  it('the system clock tells the wall time', () => {
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
  });

  it('a test clock follows the wall time and moves forward by what the test advances', () => {
    const clock = new TestClock();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1000);
    clock.advance(3600);
    const ahead = clock.now().getTime() - Date.now();
    expect(ahead).toBeGreaterThan(3_599_000);
    expect(ahead).toBeLessThan(3_601_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
