import { parseTopology } from "../../contracts/topology-file.js";
import type { Topology } from "../../contracts/index.js";

/** The pool every live scenario runs: short leases and lock durations, so faults show within seconds. */
export const CHAOS_TOPOLOGY_FILE = {
  topic: "assignments",
  pools: [
    {
      name: "general",
      capabilities: ["lang:ts"],
      image: "chaos",
      seats: 1,
      maxReplicas: 50,
      workload: "scaledObject",
      leaseSeconds: 6,
      acceptTimeoutSeconds: 30,
      lockDurationSeconds: 10,
      maxDeliveryCount: 5,
    },
  ],
} as const;

export function chaosTopology(): Topology {
  return parseTopology(structuredClone(CHAOS_TOPOLOGY_FILE), "the chaos topology");
}
