import type { JobDoc } from "../../contracts/index.js";

/** Reverse dependency index of BLOCKED jobs: which blocked jobs wait on a given job. Lets a dep's
 * progress unblock its dependents without any query. */
export class Dependents {
  private readonly waiting = new Map<string, Set<string>>();

  observe(previous: JobDoc | undefined, next: JobDoc): void {
    const wasBlocked = previous?.stage === "blocked";
    const isBlocked = next.stage === "blocked";
    if (wasBlocked && previous !== undefined) {
      for (const dep of previous.deps) this.waiting.get(dep)?.delete(next.id);
    }
    if (isBlocked) {
      for (const dep of next.deps) {
        let set = this.waiting.get(dep);
        if (set === undefined) {
          set = new Set();
          this.waiting.set(dep, set);
        }
        set.add(next.id);
      }
    }
  }

  of(depId: string): string[] {
    const set = this.waiting.get(depId);
    if (set === undefined || set.size === 0) {
      this.waiting.delete(depId);
      return [];
    }
    return [...set];
  }
}
