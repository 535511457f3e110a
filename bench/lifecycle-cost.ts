import { JobSpec } from "../contracts/index.js";
import type { FactoryPrincipal } from "../coordinator/auth/principal.js";
import { Coordinator } from "../coordinator/service/coordinator.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import type { StoreOpKind } from "../store/port.js";
import { benchJobCapabilities, benchTopology } from "./bench-topology.js";

export interface LifecycleCost {
  jobs: number;
  perJob: Record<StoreOpKind, number>;
  writesPerJob: number;
  pointReadsPerJob: number;
  queriesPerJob: number;
  estimatedRuPerJob: number;
  averageJobDocumentBytes: number;
}

/**
 * Store operations per job over a full lifecycle: submit, assign, accept, three stage reports
 * (building, review, testing) and release, through the coordinator's real code paths.
 */
export async function measureLifecycleCost(jobs: number): Promise<LifecycleCost> {
  const store = new MemoryStore();
  await store.init();
  let now = Date.UTC(2026, 0, 1);
  const coordinator = new Coordinator({ store, clock: { now: () => now }, topology: benchTopology(), capacityWindow: () => Number.MAX_SAFE_INTEGER });
  await coordinator.start();
  const before = structuredClone(store.stats());
  let bytes = 0;
  for (let n = 0; n < jobs; n++) {
    const body = JobSpec.parse({ idempotencyKey: `cost-${n}`, bodyMd: `# job ${n}\n${"Implement the change described here. ".repeat(12)}`, capabilities: benchJobCapabilities(n) });
    const { job } = await coordinator.submit("bench", { ...body, kind: "leaf" });
    now += 1;
    await coordinator.tick();
    const assigned = coordinator.activeJob(job.id)!;
    const factory: FactoryPrincipal = { kind: "factory", credentialId: "bench", productId: "*", pool: assigned.lease!.pool, factoryId: `f-${n}` };
    await coordinator.accept(factory, job.id, assigned.leaseEpoch);
    for (const stage of ["building", "review", "testing"] as const) await coordinator.report(factory, job.id, { stage, leaseEpoch: assigned.leaseEpoch });
    const shipped = await coordinator.release(factory, job.id, { leaseEpoch: assigned.leaseEpoch, outcome: "shipped", insights: { tokensIn: 1200, tokensOut: 800, costUsd: 0.42 } });
    bytes += JSON.stringify(shipped).length;
  }
  const after = store.stats();
  const perJob = Object.fromEntries(
    (Object.keys(after.ops) as StoreOpKind[]).map((kind) => [kind, (after.ops[kind] - before.ops[kind]) / jobs]),
  ) as Record<StoreOpKind, number>;
  await store.close();
  return {
    jobs,
    perJob,
    writesPerJob: perJob.create + perJob.replace + perJob.upsert + perJob.delete,
    pointReadsPerJob: perJob.read,
    queriesPerJob: perJob.query,
    estimatedRuPerJob: (after.estimatedRu - before.estimatedRu) / jobs,
    averageJobDocumentBytes: Math.round(bytes / jobs),
  };
}
