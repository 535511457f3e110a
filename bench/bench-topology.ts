import { parseTopology } from "../contracts/topology-file.js";
import type { Topology } from "../contracts/index.js";

export const BENCH_POOLS = 20;

/** `pools` pools (20 by default): pool i offers os:linux plus team:i, and every fourth pool also gpu. */
export function benchTopology(pools = BENCH_POOLS): Topology {
  return parseTopology({
    topic: "assignments",
    pools: Array.from({ length: pools }, (_, i) => ({
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
export function benchJobCapabilities(n: number, pools = BENCH_POOLS): string[] {
  const pool = n % pools;
  const caps = ["os:linux", `team:${pool}`];
  if (pool % 4 === 0 && n % 3 === 0) caps.push("gpu");
  return caps.sort();
}
