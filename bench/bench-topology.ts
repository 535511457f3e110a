import { parseTopology } from "../contracts/topology-file.js";
import type { Topology } from "../contracts/index.js";

export const BENCH_POOLS = 20;

/** The most pools a topology file may list. */
const FILE_POOL_LIMIT = 100;

/**
 * `pools` pools (20 by default): pool i offers os:linux plus team:i, and every fourth pool also
 * gpu. Past the topology file's limit of 100 pools (the 200-pool scale figure) each group of 100
 * is validated as a file and the pools are joined: the scheduler itself has no such limit.
 */
export function benchTopology(pools = BENCH_POOLS): Topology {
  const groups: Topology[] = [];
  for (let first = 0; first < pools; first += FILE_POOL_LIMIT) groups.push(poolRange(first, Math.min(pools, first + FILE_POOL_LIMIT)));
  return { ...groups[0]!, pools: groups.flatMap((group) => group.pools) };
}

function poolRange(first: number, end: number): Topology {
  return parseTopology({
    topic: "assignments",
    pools: Array.from({ length: end - first }, (_, offset) => first + offset).map((i) => ({
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
