import { FleetError, type SubmitJobBody } from "../../contracts/index.js";
import { assertAcyclic } from "../jobs/dependency-graph.js";
import type { SubmitResult } from "./job-submitter.js";

/** One spec's result: what its single submit would have returned, or the error it would have thrown. */
export type BatchOutcome = { result: SubmitResult } | { error: unknown };

/** One spec of a batch as received: parsed, or refused already (invalid). */
export type BatchItem = { spec: SubmitJobBody } | { error: unknown };

const EMPTY = { deps: [] } as unknown as SubmitJobBody;

/** At most this many submits of one batch in flight: enough for the store to group writes, few
 * enough that one batch does not queue a thousand store requests at once (each waiting its turn
 * against the store's request timeout). */
const CONCURRENT_SUBMITS = 50;

/**
 * Submits the specs of one batch exactly as that many single submits would (the same idempotency
 * rules, checks and errors), in dependency order: a spec whose deps name keys of other specs of the
 * batch waits until those were submitted; specs that do not depend on each other are submitted
 * concurrently, so their store writes can be grouped. A cycle among the batch's keys fails the specs
 * on it with DEPENDENCY_CYCLE; a key used twice fails the later spec. Results are in input order.
 */
export async function submitBatch(items: readonly BatchItem[], submitOne: (spec: SubmitJobBody) => Promise<SubmitResult>): Promise<BatchOutcome[]> {
  const outcomes: (BatchOutcome | undefined)[] = items.map((item) => ("error" in item ? { error: item.error } : undefined));
  // A spec that failed already stands in as one that brings no keys and depends on nothing.
  const specs = items.map((item) => ("spec" in item ? item.spec : EMPTY));
  const keysOf = specs.map((spec, index) => (outcomes[index] === undefined ? keysOfSpec(spec) : []));
  const owner = new Map<string, number>();
  keysOf.forEach((keys, index) => {
    const taken = keys.find((key) => owner.has(key));
    if (taken !== undefined) {
      outcomes[index] = {
        error: new FleetError("VALIDATION", `jobs[${index}]: the idempotency key '${taken}' is already used by jobs[${owner.get(taken)}] of this batch: give each job its own key`, {
          field: "idempotencyKey",
          index,
        }),
      };
      return;
    }
    for (const key of keys) owner.set(key, index);
  });
  // Edges between specs of the batch: a spec (or one of its children) depends on a key another spec brings.
  const edges = specs.map((spec, index) => {
    const deps = [...spec.deps, ...(spec.children ?? []).flatMap((child) => child.deps)];
    if (outcomes[index] !== undefined) return [];
    return [...new Set(deps.map((dep) => owner.get(dep)).filter((dep): dep is number => dep !== undefined && dep !== index))];
  });
  failCycles(specs, edges, outcomes);
  for (const wave of wavesOf(edges, outcomes)) {
    await inParallel(wave, CONCURRENT_SUBMITS, async (index) => {
      try {
        outcomes[index] = { result: await submitOne(specs[index]!) };
      } catch (error) {
        outcomes[index] = { error };
      }
    });
  }
  return outcomes.map((outcome) => outcome!);
}

/** The keys a spec brings: its own (when given) and its children's, as the submit derives them. */
function keysOfSpec(spec: SubmitJobBody): string[] {
  if (spec.idempotencyKey === undefined) return (spec.children ?? []).flatMap((child) => (child.idempotencyKey === undefined ? [] : [child.idempotencyKey]));
  const key = spec.idempotencyKey;
  return [key, ...(spec.children ?? []).map((child, index) => child.idempotencyKey ?? `${key}#${index}`)];
}

/** Fails every spec on a dependency cycle among the batch's specs, naming the cycle by keys. */
function failCycles(specs: readonly SubmitJobBody[], edges: readonly number[][], outcomes: (BatchOutcome | undefined)[]): void {
  const open = () => specs.flatMap((_, index) => (outcomes[index] === undefined ? [String(index)] : []));
  // Each round fails at least one spec, so this ends.
  for (let round = 0; round <= specs.length; round++) {
    try {
      assertAcyclic(
        open(),
        (id) => edges[Number(id)]!.filter((dep) => outcomes[dep] === undefined).map(String),
        (id) => specs[Number(id)]!.idempotencyKey ?? `jobs[${id}]`,
      );
      return;
    } catch (error) {
      if (!(error instanceof FleetError) || error.code !== "DEPENDENCY_CYCLE") throw error;
      const onCycle = new Set((error.details as { jobIds: string[] }).jobIds.map(Number));
      const cycle = (error.details as { cycle: string[] }).cycle;
      for (const index of onCycle) {
        outcomes[index] = { error: new FleetError("DEPENDENCY_CYCLE", error.message, { cycle, field: "deps", index }) };
      }
    }
  }
}

/** The specs still to submit, in waves: each wave depends only on earlier ones. */
function wavesOf(edges: readonly number[][], outcomes: readonly (BatchOutcome | undefined)[]): number[][] {
  const waiting = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  let wave: number[] = [];
  edges.forEach((deps, index) => {
    if (outcomes[index] !== undefined) return;
    const open = deps.filter((dep) => outcomes[dep] === undefined);
    for (const dep of open) {
      const list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, [index]);
      else list.push(index);
    }
    if (open.length === 0) wave.push(index);
    else waiting.set(index, open.length);
  });
  const waves: number[][] = [];
  while (wave.length > 0) {
    waves.push(wave);
    const next: number[] = [];
    for (const done of wave) {
      for (const dependent of dependents.get(done) ?? []) {
        const left = waiting.get(dependent)! - 1;
        waiting.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    wave = next;
  }
  return waves;
}

async function inParallel(items: readonly number[], limit: number, run: (item: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
