import { parseTopology } from "../../contracts/topology-file.js";
import type { Topology } from "../../contracts/index.js";

/** Two pools: a general one and a GPU one, small capacity windows. */
export function testTopology(overrides: { generalMax?: number; gpuMax?: number } = {}): Topology {
  return parseTopology({
    topic: "assignments",
    pools: [
      {
        name: "general",
        capabilities: ["os:linux", "lang:ts"],
        image: "factory:test",
        seats: 1,
        maxReplicas: overrides.generalMax ?? 4,
        workload: "scaledJob",
        acceptTimeoutSeconds: 60,
        leaseSeconds: 30,
      },
      {
        name: "gpu",
        capabilities: ["os:linux", "lang:ts", "gpu"],
        image: "factory:test",
        seats: 1,
        maxReplicas: overrides.gpuMax ?? 2,
        workload: "scaledJob",
        acceptTimeoutSeconds: 60,
        leaseSeconds: 30,
        costPerHour: 5,
      },
    ],
  });
}
