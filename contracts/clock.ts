/** The clock port. Production uses the system clock; the simulator a virtual one. Pure code never
 * reads a clock: it takes `now` as an argument. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
