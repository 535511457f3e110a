import type { OperationCounts } from "../../peers/service-bus/operation-counts.js";
import { OPERATIONS_PATH } from "../../peers/service-bus/broker.js";
import { metricByLabel, metricTotal } from "./prometheus-text.js";
import type { SubmitClient } from "./submit-client.js";

export interface CostSnapshot {
  storeOps: Record<string, number>;
  storeRu: number;
  broker: OperationCounts;
}

/** Store operations and RU (the coordinator's /metrics) and broker operations (its own count), read
 * between phases, never while load runs. */
export async function readCosts(client: SubmitClient, brokerUrl: string): Promise<CostSnapshot> {
  const metrics = await client.request("GET", "/metrics");
  if (metrics.status !== 200 || typeof metrics.body !== "string") throw new Error(`GET /metrics answered ${metrics.status}`);
  const response = await fetch(`${brokerUrl}${OPERATIONS_PATH}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`the broker's ${OPERATIONS_PATH} answered ${response.status}`);
  return {
    storeOps: metricByLabel(metrics.body, "fleet_store_operations_total", "op"),
    storeRu: metricTotal(metrics.body, "fleet_store_request_units_total"),
    broker: (await response.json()) as OperationCounts,
  };
}

export interface StoreCost {
  /** By kind, as the coordinator counts them. */
  byKind: Record<string, number>;
  total: number;
  /** Writes: create, replace, upsert, delete (and batched writes where counted apart). */
  writes: number;
  reads: number;
  queries: number;
  /** Estimated request units. */
  ru: number;
}

export interface BrokerCost {
  /** By kind: sends (a batch is one), receive requests (credit granted), drains, settlements,
   * management requests, token puts; also messages sent and delivered (not operations). */
  byKind: Record<string, number>;
  /** Operations: everything but the message counts. */
  total: number;
}

export interface CostDelta {
  store: StoreCost;
  broker: BrokerCost;
}

const WRITE_OPS = new Set(["create", "replace", "upsert", "delete", "patch", "batch", "bulk"]);

/** What happened between two snapshots, scaled by `per` (1 for totals, 1/jobs per job). */
export function costDelta(before: CostSnapshot, after: CostSnapshot, scale: number): CostDelta {
  const storeOps: Record<string, number> = {};
  for (const op of new Set([...Object.keys(before.storeOps), ...Object.keys(after.storeOps)])) {
    const delta = (after.storeOps[op] ?? 0) - (before.storeOps[op] ?? 0);
    if (delta !== 0) storeOps[op] = round(delta * scale);
  }
  const sum = (pick: (op: string) => boolean) => round(Object.entries(storeOps).reduce((total, [op, n]) => total + (pick(op) ? n : 0), 0));
  const brokerOps = flattenBroker(after.broker, before.broker, scale);
  return {
    store: {
      byKind: storeOps,
      total: sum(() => true),
      writes: sum((op) => WRITE_OPS.has(op)),
      reads: sum((op) => op === "read"),
      queries: sum((op) => op === "query"),
      ru: round((after.storeRu - before.storeRu) * scale),
    },
    broker: { byKind: brokerOps, total: brokerTotal(brokerOps) },
  };
}

function brokerTotal(brokerOps: Record<string, number>): number {
  return round(
      (brokerOps.sends ?? 0) +
        (brokerOps.receiveRequests ?? 0) +
        (brokerOps.drains ?? 0) +
        Object.entries(brokerOps)
          .filter(([kind]) => kind.startsWith("settle:") || kind.startsWith("management:") || kind === "tokenPuts")
          .reduce((total, [, n]) => total + n, 0),
  );
}

function flattenBroker(after: OperationCounts, before: OperationCounts, scale: number): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (kind: string, delta: number) => {
    if (delta !== 0) out[kind] = round(delta * scale);
  };
  put("sends", after.sends - before.sends);
  put("messagesSent", after.messagesSent - before.messagesSent);
  put("receiveRequests", after.receiveRequests - before.receiveRequests);
  put("drains", after.drains - before.drains);
  put("messagesDelivered", after.messagesDelivered - before.messagesDelivered);
  for (const kind of Object.keys(after.settlements) as (keyof OperationCounts["settlements"])[]) put(`settle:${kind}`, after.settlements[kind] - before.settlements[kind]);
  for (const operation of Object.keys(after.management)) put(`management:${operation.replace(/^com\.microsoft:/, "")}`, after.management[operation]! - (before.management[operation] ?? 0));
  put("tokenPuts", after.tokenPuts - before.tokenPuts);
  return out;
}

function round(value: number): number {
  return Number(value.toFixed(3));
}
