import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycle, groupGraph, importEdges, sourceFiles } from "./import-graph.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The architecture as the tree shows it (README "Layout"). Inner components may import only what
 * this table allows; the outer layers (entry points, the local stack, chaos, the benchmark, tests)
 * may import anything. Test code (`*.test.ts`, `test/`, contract suites) is exempt.
 */
const ALLOWED: Record<string, readonly string[]> = {
  contracts: [],
  store: ["contracts"],
  broker: ["contracts"],
  artifacts: ["contracts"],
  peers: ["contracts"],
  coordinator: ["contracts", "store", "artifacts"],
  dispatcher: ["contracts", "store", "broker"],
  keda: ["contracts"],
  "factory-agent": ["contracts", "broker", "artifacts"],
  composition: ["contracts", "store", "broker", "artifacts", "coordinator", "dispatcher", "keda", "peers"],
  cli: ["contracts"],
  console: ["contracts"],
};

/** Where an inner component may reach into a port wing: the port itself (and the registry and the
 * environment schema that pick an adapter, for the process that wires itself). Adapters are chosen
 * by the composition. */
const PORT_SURFACE: Record<string, Record<string, readonly string[]>> = {
  coordinator: { store: ["store/port.ts"], artifacts: ["artifacts/port.ts"] },
  dispatcher: { store: ["store/port.ts"], broker: ["broker/port.ts"] },
  "factory-agent": { broker: ["broker/port.ts", "broker/registry.ts"], artifacts: ["artifacts/port.ts", "artifacts/registry.ts", "artifacts/artifact-env.ts"] },
};

const isTestCode = (file: string) => file.endsWith(".test.ts") || file.startsWith("test/") || file.includes("/contract/") || file.endsWith(".config.ts");
const componentOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : undefined);

const files = sourceFiles(ROOT).filter((file) => !isTestCode(file));
const edges = importEdges(ROOT, files).filter((edge) => !isTestCode(edge.to));

describe("the import graph", () => {
  it("finds the tree's components and their imports (the check can see what it checks)", () => {
    const components = new Set(files.map(componentOf));
    for (const name of ["contracts", "store", "broker", "artifacts", "coordinator", "dispatcher", "factory-agent", "keda", "composition"]) expect(components).toContain(name);
    expect(edges.some((e) => e.from.startsWith("composition/") && e.to.startsWith("coordinator/"))).toBe(true);
  });

  it("lets each inner component import only the components it is allowed to", () => {
    const violations = edges
      .filter(({ from, to }) => {
        const a = componentOf(from);
        const b = componentOf(to);
        if (a === undefined || b === undefined || a === b) return false;
        const allowed = ALLOWED[a];
        return allowed !== undefined && !allowed.includes(b);
      })
      .map(({ from, to }) => `${from} imports ${to}`);
    expect(violations).toEqual([]);
  });

  it("reaches into a port wing through its port only", () => {
    const violations = edges
      .filter(({ from, to }) => {
        const surface = PORT_SURFACE[componentOf(from) ?? ""]?.[componentOf(to) ?? ""];
        return surface !== undefined && !surface.includes(to);
      })
      .map(({ from, to }) => `${from} imports ${to}`);
    expect(violations).toEqual([]);
  });

  it("has no cycle between top-level folders", () => {
    expect(findCycle(groupGraph(edges, componentOf))).toBeUndefined();
  });

  it("has no cycle between the coordinator's own folders (the scheduler never imports the service layer)", () => {
    const subfolder = (file: string) => {
      const parts = file.split("/");
      return parts[0] === "coordinator" && parts.length > 2 ? parts[1] : undefined;
    };
    expect(findCycle(groupGraph(edges, subfolder))).toBeUndefined();
  });

  it("detects a planted cycle and a planted forbidden import", () => {
    const planted = [...edges, { from: "contracts/x.ts", to: "coordinator/service/coordinator.ts" }];
    expect(findCycle(groupGraph(planted, componentOf))).toBeDefined();
    expect(ALLOWED.contracts).not.toContain("coordinator");
  });
});
