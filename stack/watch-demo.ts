import type { Topology } from "../contracts/index.js";

export interface DemoResult {
  ok: boolean;
  shipped: number;
  notShipped: { id: string; stage: string }[];
  seconds: number;
  peakReplicas: Record<string, number>;
}

interface PoolRow {
  name: string;
  maxReplicas: number;
  actualReplicas: number | null;
  desiredReplicas: number | null;
}

/**
 * Shows progress until every demo job is terminal and every pool is back to zero replicas, then
 * checks that every job shipped. Reads the public API only, as an operator's script would.
 * Bounded: gives up after `timeoutMs`.
 */
export async function watchDemo(
  api: { url: string; token: string },
  ids: readonly string[],
  topology: Topology,
  print: (line: string) => void,
  timeoutMs = 20 * 60_000,
): Promise<DemoResult> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const started = Date.now();
  const peak: Record<string, number> = Object.fromEntries(topology.pools.map((p) => [p.name, 0]));
  let phase: "running" | "cooling" = "running";
  let live = Number.POSITIVE_INFINITY;
  for (;;) {
    try {
      const state = await get<{ byStage: Record<string, number> }>("/fleet/queue-state");
      const pools = (await get<{ items: PoolRow[] }>("/fleet/pools")).items;
      const byStage = state.byStage;
      const active = Object.values(byStage).reduce((a, b) => a + b, 0);
      live = pools.reduce((sum, pool) => sum + (pool.actualReplicas ?? 0), 0);
      for (const pool of pools) peak[pool.name] = Math.max(peak[pool.name] ?? 0, pool.actualReplicas ?? 0);
      const replicas = pools.map((p) => `${p.name} ${p.actualReplicas ?? "?"}/${p.maxReplicas}`).join("  ");
      const done = Math.max(0, ids.length - active);
      const width = 30;
      const filled = Math.round((done / ids.length) * width);
      print(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${ids.length} finished | queued ${(byStage.queued ?? 0) + (byStage.blocked ?? 0)} assigned ${byStage.assigned ?? 0} running ${(byStage.building ?? 0) + (byStage.review ?? 0) + (byStage.testing ?? 0)} | replicas ${replicas}   `,
      );
      if (phase === "running" && active === 0) {
        phase = "cooling";
        print(`\nall jobs finished after ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for every pool to scale back to zero...\n`);
      }
      if (phase === "cooling" && live === 0) break;
    } catch (error) {
      // The coordinator may be restarting under its supervisor: say so and keep watching.
      print(`\rcoordinator not answering (${error instanceof Error ? error.message : String(error)}); retrying...   `);
    }
    if (Date.now() - started > timeoutMs) {
      print("\ngave up waiting: the demo did not finish in time\n");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const notShipped: { id: string; stage: string }[] = [];
  for (const id of ids) {
    const job = await get<{ stage: string }>(`/fleet/jobs/${encodeURIComponent(id)}`);
    if (job.stage !== "shipped") notShipped.push({ id, stage: job.stage });
  }
  const seconds = (Date.now() - started) / 1000;
  print(`\n${ids.length - notShipped.length}/${ids.length} shipped in ${seconds.toFixed(0)} s; peak replicas ${JSON.stringify(peak)}; live agents now ${live}\n`);
  if (notShipped.length > 0) print(`not shipped: ${JSON.stringify(notShipped.slice(0, 10))}\n`);
  return { ok: notShipped.length === 0 && live === 0, shipped: ids.length - notShipped.length, notShipped, seconds, peakReplicas: peak };
}
