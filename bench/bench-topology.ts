import { parseTopology } from "../contracts/topology-file.js";
import type { Topology } from "../contracts/index.js";

export const BENCH_POOLS = 20;

/** 20 pools: pool i offers os:linux plus team:i, and every fourth pool also gpu. */
export function benchTopology(): Topology {
  return parseTopology({
    topic: "assignments",
    pools: Array.from({ length: BENCH_POOLS }, (_, i) => ({
      name: `pool-${i}`,
      capabilities: ["os:linux", `team:${i}`, ...(i % 4 === 0 ? ["gpu"] : [])],
      image: "factory:bench",
      seats: 1,
      maxReplicas: 1000,
      workload: "scaledJob",
      costPerHour: i % 4 === 0 ? 5 : 1,
    })),
  });
}

/** Capabilities of the n-th bench job: spread over every pool, some needing a GPU. */
export function benchJobCapabilities(n: number): string[] {
  const pool = n % BENCH_POOLS;
  const caps = ["os:linux", `team:${pool}`];
  if (pool % 4 === 0 && n % 3 === 0) caps.push("gpu");
  return caps.sort();
}
