/**
 * The time as services see it. Services that compare stored times with "now" take a Clock and pass its time
 * to SQL as a parameter instead of the database's `now()`, so tests move time forward instead of rewriting
 * rows or sleeping (a test that sleeps grows slower with every feature; one that rewrites rows tests SQL, not
 * behaviour).
 */
export interface Clock {
  now(): Date;
}

/** The wall clock: what production uses. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that follows the wall clock plus an offset that only ever grows: tests call `advance()`. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves time forward by `seconds` for everything built with this clock. */
  advance(seconds: number): void {
    if (seconds < 0) throw new RangeError('time only moves forward');
    this.offsetMs += seconds * 1000;
  }
}
