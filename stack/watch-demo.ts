import type { Topology } from "../contracts/index.js";
import type { LocalStack } from "./local-stack.js";

export interface DemoResult {
  ok: boolean;
  shipped: number;
  notShipped: { id: string; stage: string }[];
  seconds: number;
  peakReplicas: Record<string, number>;
}

/**
 * Shows progress until every demo job is terminal and every pool is back to zero replicas, then
 * checks that every job shipped. Bounded: gives up after `timeoutMs`.
 */
export async function watchDemo(stack: LocalStack, ids: readonly string[], topology: Topology, print: (line: string) => void, timeoutMs = 20 * 60_000): Promise<DemoResult> {
  const started = Date.now();
  let phase: "running" | "cooling" = "running";
  for (;;) {
    const active = stack.app.coordinator.queueState();
    const activeJobs = Object.values(active.byStage).reduce((a, b) => a + b, 0);
    const states = stack.autoscaler.states();
    const replicas = states.map((s) => `${s.pool} ${s.running + s.pending}/${topology.pools.find((p) => p.name === s.pool)?.maxReplicas}`).join("  ");
    const done = ids.length - activeJobs;
    const width = 30;
    const filled = Math.round((done / ids.length) * width);
    print(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${ids.length} finished | queued ${(active.byStage.queued ?? 0) + (active.byStage.blocked ?? 0)} assigned ${active.byStage.assigned ?? 0} running ${(active.byStage.building ?? 0) + (active.byStage.review ?? 0) + (active.byStage.testing ?? 0)} | replicas ${replicas}   `);
    if (phase === "running" && activeJobs === 0) {
      phase = "cooling";
      print(`\nall jobs finished after ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for every pool to scale back to zero...\n`);
    }
    if (phase === "cooling" && stack.autoscaler.liveWorkers().length === 0) break;
    if (Date.now() - started > timeoutMs) {
      print("\ngave up waiting: the demo did not finish in time\n");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const notShipped: { id: string; stage: string }[] = [];
  for (const id of ids) {
    const job = await stack.app.coordinator.getJob(undefined, id);
    if (job.stage !== "shipped") notShipped.push({ id, stage: job.stage });
  }
  const peakReplicas = Object.fromEntries(stack.autoscaler.states().map((s) => [s.pool, s.peak]));
  const seconds = (Date.now() - started) / 1000;
  print(
    `\n${ids.length - notShipped.length}/${ids.length} shipped in ${seconds.toFixed(0)} s; peak replicas ${JSON.stringify(peakReplicas)}; ` +
      `live agents now ${stack.autoscaler.liveWorkers().length}\n`,
  );
  if (notShipped.length > 0) print(`not shipped: ${JSON.stringify(notShipped.slice(0, 10))}\n`);
  return { ok: notShipped.length === 0 && stack.autoscaler.liveWorkers().length === 0, shipped: ids.length - notShipped.length, notShipped, seconds, peakReplicas };
}
