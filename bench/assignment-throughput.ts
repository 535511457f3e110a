import { type JobDoc, JobSpec, type Priority } from "../contracts/index.js";
import { contentHashOf, deriveJobId } from "../coordinator/jobs/job-identity.js";
import { newJobDoc } from "../coordinator/jobs/new-job.js";
import { Coordinator } from "../coordinator/service/coordinator.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { benchJobCapabilities, benchTopology } from "./bench-topology.js";

export interface ThroughputResult {
  queued: number;
  assigned: number;
  seconds: number;
  assignmentsPerSecond: number;
  rebuildSeconds: number;
}

const PRIORITIES: Priority[] = ["low", "medium", "high", "critical"];

/**
 * Assignments per second with `queued` ready jobs over 20 pools, on the memory store. Jobs are
 * loaded straight into the store and the coordinator rebuilds its index from it (as at start), then
 * the scheduler assigns `assign` jobs. Capacity windows are large so capacity never limits it.
 */
export async function measureAssignmentThroughput(queued: number, assign: number): Promise<ThroughputResult> {
  const store = new MemoryStore();
  await store.init();
  const now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const template = JobSpec.parse({ bodyMd: "# bench job\nImplement the feature and its tests.", capabilities: [] });
  for (let n = 0; n < queued; n++) {
    const key = `bench-${n}`;
    const spec = { ...template, idempotencyKey: key, capabilities: benchJobCapabilities(n), priority: PRIORITIES[n % 4]! };
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
  const coordinator = new Coordinator({ store, clock, topology: benchTopology(), capacityWindow: () => Number.MAX_SAFE_INTEGER });
  const rebuildStart = performance.now();
  await coordinator.start();
  const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
  const start = performance.now();
  const { assigned } = await coordinator.tick(assign);
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return { queued, assigned, seconds, assignmentsPerSecond: assigned / seconds, rebuildSeconds };
}
