import { type JobDoc, JobSpec, type Priority } from "../contracts/index.js";
import { contentHashOf, deriveJobId } from "../coordinator/jobs/job-identity.js";
import { newJobDoc } from "../coordinator/jobs/new-job.js";
import { Coordinator } from "../coordinator/service/coordinator.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { BENCH_POOLS, benchJobCapabilities, benchTopology } from "./bench-topology.js";
import { heapAfterGc } from "./heap-after-gc.js";

export interface ThroughputResult {
  queued: number;
  pools: number;
  assigned: number;
  seconds: number;
  assignmentsPerSecond: number;
  /** Microseconds per assignment (selection, the conditional write on the memory store, the event). */
  usPerAssignment: number;
  rebuildSeconds: number;
  /** Heap bytes per queued job after a full GC (undefined without node --expose-gc): the job
   * documents in the memory store, and the coordinator's indexes rebuilt from them. */
  bytesPerQueuedJob: { store: number; index: number } | undefined;
}

const PRIORITIES: Priority[] = ["low", "medium", "high", "critical"];

/**
 * Assignments per second with `queued` ready jobs over `pools` pools (20 by default), on the
 * memory store. Jobs are loaded straight into the store and the coordinator rebuilds its index
 * from it (as at start), then the scheduler assigns `assign` jobs. Capacity windows are large so
 * capacity never limits it.
 */
export async function measureAssignmentThroughput(queued: number, assign: number, pools = BENCH_POOLS): Promise<ThroughputResult> {
  const heapEmpty = heapAfterGc();
  const store = new MemoryStore();
  await store.init();
  const now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const template = JobSpec.parse({ bodyMd: "# bench job\nImplement the feature and its tests.", capabilities: [] });
  for (let n = 0; n < queued; n++) {
    const key = `bench-${n}`;
    const spec = { ...template, idempotencyKey: key, capabilities: benchJobCapabilities(n, pools), priority: PRIORITIES[n % 4]! };
    const job: JobDoc = newJobDoc(spec, {
      id: deriveJobId("bench", key),
      productId: "bench",
      idempotencyKey: key,
      contentHash: contentHashOf(spec),
      kind: "leaf",
      depIds: [],
      ready: true,
      now: now - (queued - n),
    });
    await store.create("jobs", job);
  }
  const heapStored = heapAfterGc();
  const coordinator = new Coordinator({ store, clock, topology: benchTopology(pools), capacityWindow: () => Number.MAX_SAFE_INTEGER });
  const rebuildStart = performance.now();
  await coordinator.start();
  const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
  const heapIndexed = heapAfterGc();
  const start = performance.now();
  const { assigned } = await coordinator.tick(assign);
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  const bytesPerQueuedJob =
    heapEmpty === undefined || heapStored === undefined || heapIndexed === undefined
      ? undefined
      : { store: Math.round((heapStored - heapEmpty) / queued), index: Math.round((heapIndexed - heapStored) / queued) };
  return { queued, pools, assigned, seconds, assignmentsPerSecond: assigned / seconds, usPerAssignment: (seconds * 1e6) / assigned, rebuildSeconds, bytesPerQueuedJob };
}
