import type { JobDoc } from "../../contracts/index.js";
import type { HistoryFigures } from "../history/history-figures.js";
import type { FaultProxy } from "./fault-proxy.js";
import { percentile } from "./percentile.js";

/** Submit-to-accept (first run) and submit-to-shipped percentiles over a scenario's jobs, in seconds. */
export function jobLatencies(jobs: readonly JobDoc[]): { acceptP50: number; acceptP99: number; shippedP50: number; shippedP99: number } {
  const accepts = jobs.flatMap((job) => (job.runs[0] === undefined ? [] : [(job.runs[0].startedAt - job.createdAt) / 1000]));
  const shipped = jobs.filter((job) => job.stage === "shipped").map((job) => (job.updatedAt - job.createdAt) / 1000);
  return { acceptP50: percentile(accepts, 0.5), acceptP99: percentile(accepts, 0.99), shippedP50: percentile(shipped, 0.5), shippedP99: percentile(shipped, 0.99) };
}

/** What the broker's and the store's fault proxies did during a scenario. */
export function proxyFigures(proxy: FaultProxy, storeProxy: FaultProxy | undefined) {
  return {
    proxy: { refused: proxy.counts.refused, resets: proxy.counts.resets, droppedChunks: proxy.counts.droppedChunks },
    storeProxy: { refused: storeProxy?.counts.refused ?? 0, resets: storeProxy?.counts.resets ?? 0, delayedChunks: storeProxy?.counts.delayedChunks ?? 0 },
  };
}

/** How a scenario's jobs ended and what the history checker counted of them. */
export function outcomeFigures(jobs: readonly JobDoc[], figures: HistoryFigures) {
  return {
    shipped: jobs.filter((job) => job.stage === "shipped").length,
    deadLettered: jobs.filter((job) => job.stage === "dead_letter").length,
    lost: figures.lost,
    duplicateCompletions: figures.duplicateCompletions,
    stalledPastLease: figures.stalledPastLease,
    stalledFenced: figures.stalledFenced,
  };
}
