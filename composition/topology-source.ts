import type { Topology } from "../contracts/index.js";
import { loadTopology } from "../contracts/topology-file.js";
import { UsageError } from "./entry-point.js";

/** Loads the topology file (default topology/fleet.yaml); a missing or invalid one is a UsageError. */
export function readTopology(file: string | undefined): Topology {
  try {
    return loadTopology(file);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
