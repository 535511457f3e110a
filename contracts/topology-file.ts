import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { formatZodIssues } from "./validation-message.js";
import { Topology } from "./topology.js";

export const DEFAULT_TOPOLOGY_PATH = fileURLToPath(new URL("../topology/fleet.yaml", import.meta.url));

/** Reads and validates the topology file. Throws an Error whose message names the file and every bad field. */
export function loadTopology(path: string = DEFAULT_TOPOLOGY_PATH): Topology {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read topology file ${path}: ${(error as Error).message}`);
  }
  return parseTopology(raw, path);
}

export function parseTopology(raw: unknown, source = "topology"): Topology {
  const result = Topology.safeParse(raw);
  if (!result.success) {
    throw new Error(`invalid topology in ${source}: ${formatZodIssues(result.error.issues)}`);
  }
  return result.data;
}
