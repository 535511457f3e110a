import { FleetError, type DepsMode, type Stage } from "../../contracts/index.js";

/** Stages at which a dependency counts as satisfied, per deps mode. */
const SATISFIED: Readonly<Record<DepsMode, ReadonlySet<Stage>>> = {
  hard: new Set<Stage>(["shipped"]),
  soft: new Set<Stage>(["testing", "shipped"]),
};

export function depSatisfied(mode: DepsMode, depStage: Stage): boolean {
  return SATISFIED[mode].has(depStage);
}

/**
 * Rejects a dependency graph with a cycle. `edges(id)` gives the deps of an existing or proposed
 * job; `start` are the jobs being added or changed; `nameOf` gives the name a person knows a job by
 * (its idempotency key) for the message. Iterative DFS: deep DAGs must not blow the stack.
 */
export function assertAcyclic(start: readonly string[], edges: (id: string) => readonly string[], nameOf: (id: string) => string = (id) => id): void {
  const state = new Map<string, "visiting" | "done">();
  for (const root of start) {
    if (state.get(root) === "done") continue;
    const stack: { id: string; next: number; deps: readonly string[] }[] = [{ id: root, next: 0, deps: edges(root) }];
    state.set(root, "visiting");
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.deps.length) {
        state.set(frame.id, "done");
        stack.pop();
        continue;
      }
      const dep = frame.deps[frame.next++]!;
      const seen = state.get(dep);
      if (seen === "visiting") {
        const cycle = [...stack.slice(stack.findIndex((f) => f.id === dep)).map((f) => f.id), dep];
        const names = cycle.map(nameOf);
        throw new FleetError("DEPENDENCY_CYCLE", `dependencies form a cycle: ${names.join(" -> ")}`, { cycle: names, jobIds: cycle, field: "deps" });
      }
      if (seen === undefined) {
        state.set(dep, "visiting");
        stack.push({ id: dep, next: 0, deps: edges(dep) });
      }
    }
  }
}
