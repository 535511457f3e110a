import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

export interface ImportEdge {
  from: string;
  to: string;
}

const SKIP = new Set(["node_modules", "dist", "reports", ".tmp", ".git", ".fleet"]);

/** Every .ts file under `root` (repository-relative, forward slashes). */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name) || name.startsWith(".")) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(root);
  return files.sort();
}

/** The repository files a source file imports by relative path (static, dynamic and `export from`). */
export function importsOf(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const targets: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  for (const match of text.matchAll(pattern)) {
    const resolved = normalize(join(dirname(file), match[1]!)).split(sep).join("/");
    targets.push(resolved.replace(/\.js$/, ".ts"));
  }
  return targets;
}

export function importEdges(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((from) => importsOf(root, from).map((to) => ({ from, to })));
}

/** A cycle in a directed graph given as adjacency sets, or undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Groups file edges into edges between groups (`groupOf` undefined: the file is left out). */
export function groupGraph(edges: readonly ImportEdge[], groupOf: (file: string) => string | undefined): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = groupOf(from);
    const b = groupOf(to);
    if (a === undefined || b === undefined || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  return graph;
}
