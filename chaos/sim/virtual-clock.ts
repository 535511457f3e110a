import type { Clock } from "../../contracts/index.js";

export class VirtualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(at: number): void {
    if (at > this.current) this.current = at;
  }
}
