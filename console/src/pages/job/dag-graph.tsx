import { EmptyState } from "../../components/feedback.js";
import { link } from "../../router.js";

export interface DagNode {
  id: string;
  key: string;
  stage: string;
  kind: string;
  deps: string[];
  children: string[];
}

const NODE_W = 170;
const NODE_H = 44;
const GAP_X = 36;
const GAP_Y = 56;

/**
 * The job's graph as GET /fleet/jobs/:id/dag gives it: what must finish first sits above what
 * waits for it (a dependency above its dependent, a composite above its children), one row per
 * level; solid arrows are dependencies, dashed ones parent to child. Each node links to its job.
 */
export function DagGraph({ root, nodes }: { root: string; nodes: DagNode[] }) {
  if (nodes.length <= 1) return <EmptyState title="A single job">It has no dependencies and no children.</EmptyState>;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const edges: { from: string; to: string; kind: "dep" | "child" }[] = [];
  for (const node of nodes) {
    for (const dep of node.deps) if (byId.has(dep)) edges.push({ from: dep, to: node.id, kind: "dep" });
    for (const child of node.children) if (byId.has(child)) edges.push({ from: node.id, to: child, kind: "child" });
  }
  // Level = longest path from a source (bounded passes: the graph is acyclic by construction).
  const level = new Map(nodes.map((node) => [node.id, 0]));
  for (let pass = 0; pass < nodes.length; pass++) {
    let moved = false;
    for (const edge of edges) {
      const want = level.get(edge.from)! + 1;
      if (level.get(edge.to)! < want) {
        level.set(edge.to, want);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, DagNode[]>();
  for (const node of nodes) rows.set(level.get(node.id)!, [...(rows.get(level.get(node.id)!) ?? []), node]);
  const widest = Math.max(...[...rows.values()].map((row) => row.length));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const height = rows.size * NODE_H + (rows.size - 1) * GAP_Y + GAP_Y;
  const position = new Map<string, { x: number; y: number }>();
  for (const [row, members] of rows) {
    const offset = (width - members.length * (NODE_W + GAP_X) + GAP_X) / 2;
    for (const [index, node] of members.entries()) position.set(node.id, { x: offset + index * (NODE_W + GAP_X), y: GAP_Y / 2 + row * (NODE_H + GAP_Y) });
  }
  return (
    <div class="dag-scroll">
      <svg class="dag" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="dependency graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7280" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const a = position.get(edge.from)!;
          const b = position.get(edge.to)!;
          const x1 = a.x + NODE_W / 2;
          const y1 = a.y + NODE_H;
          const x2 = b.x + NODE_W / 2;
          const y2 = b.y;
          const mid = (y1 + y2) / 2;
          return (
            <path
              key={`${edge.from}-${edge.to}-${edge.kind}`}
              d={`M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2 - 2}`}
              class={`dag-edge dag-edge-${edge.kind}`}
              marker-end="url(#arrow)"
            />
          );
        })}
        {nodes.map((node) => {
          const p = position.get(node.id)!;
          return (
            <a key={node.id} {...link(`/jobs/${encodeURIComponent(node.id)}`)}>
              <g class={`dag-node stage-${node.stage}${node.id === root ? " dag-root" : ""}`} transform={`translate(${p.x}, ${p.y})`} data-node={node.id}>
                <rect width={NODE_W} height={NODE_H} rx="6" />
                <text x="10" y="18" class="dag-key">
                  {node.key.length > 22 ? `${node.key.slice(0, 21)}…` : node.key}
                </text>
                <text x="10" y="35" class="dag-stage">
                  {node.stage.replace(/_/g, " ")}
                  {node.kind === "composite" ? " · composite" : ""}
                </text>
              </g>
            </a>
          );
        })}
      </svg>
      <p class="muted small">Solid arrows: dependency to the job that waits for it. Dashed: composite job to its child. Click a job to open it.</p>
    </div>
  );
}
