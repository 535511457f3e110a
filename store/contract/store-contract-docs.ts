import {
  BudgetDoc,
  CheckpointDoc,
  CREDENTIALS_PARTITION,
  CredentialDoc,
  EventPageDoc,
  FactoryDoc,
  JobDoc,
  type Lease,
  PoolDoc,
  type Stage,
} from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";

/**
 * Valid documents for the store contract, each parsed by its contract schema so the suite stores
 * exactly what production stores (a job is a full ~1 KB document with its inline history).
 */

export function jobDoc(id: string, fields: Partial<JobDoc> = {}): JobDoc {
  return JobDoc.parse({ ...queuedJob(), id, idempotencyKey: `k-${id}`, ...fields });
}

export function assignedJob(id: string, pool: string, fields: Partial<JobDoc> = {}): JobDoc {
  const lease: Lease = { pool, assignedAt: 2_000_000, acceptBy: 2_060_000, renewals: 0 };
  return jobDoc(id, { stage: "assigned" satisfies Stage, leaseEpoch: 1, lease, outbox: { epoch: 1, pool, at: 2_000_000 }, ...fields });
}

export function factoryDoc(id: string, productId: string, fields: Partial<FactoryDoc> = {}): FactoryDoc {
  return FactoryDoc.parse({
    id,
    productId,
    pool: "general",
    capabilities: ["lang:ts"],
    seats: 2,
    load: 0,
    health: "ok",
    version: "1.4.2",
    startedAt: 1_000_000,
    lastHeartbeatAt: 1_005_000,
    ...fields,
  });
}

export function budgetDoc(productId: string, fields: Partial<BudgetDoc> = {}): BudgetDoc {
  return BudgetDoc.parse({
    id: `budget.${productId}`,
    productId,
    ceilingUsd: 500,
    window: "monthly",
    windowStart: "2026-01-01",
    holdBack: false,
    onCeiling: "finish",
    revision: 1,
    updatedAt: 1_000_000,
    ...fields,
  });
}

export function poolDoc(name: string, fields: Partial<PoolDoc> = {}): PoolDoc {
  return PoolDoc.parse({ id: `pool.${name}`, productId: "fleet", name, health: "ok", paused: false, updatedAt: 1_000_000, ...fields });
}

export function checkpointDoc(id: string, data: Record<string, unknown> = {}): CheckpointDoc {
  return CheckpointDoc.parse({ id, productId: "fleet", data, updatedAt: 1_000_000 });
}

export function eventPageDoc(jobId: string, fromSeq: number, size = 3): EventPageDoc {
  const events = Array.from({ length: size }, (_, i) => ({ seq: fromSeq + i, type: "renewed", at: 1_000_000 + i, actor: "factory" as const, epoch: 1 }));
  return EventPageDoc.parse({ id: `${jobId}.events.${fromSeq}`, productId: "acme", jobId, fromSeq, toSeq: fromSeq + size - 1, events });
}

export function operatorCredentialDoc(id: string, fields: Partial<Extract<CredentialDoc, { kind: "operator" }>> = {}): CredentialDoc {
  return CredentialDoc.parse({
    id,
    partition: CREDENTIALS_PARTITION,
    kind: "operator",
    seq: 1,
    productId: "acme",
    role: "operator",
    secrets: [{ sha256: "a".repeat(64) }],
    createdAt: 1_000_000,
    updatedAt: 1_000_000,
    ...fields,
  });
}
