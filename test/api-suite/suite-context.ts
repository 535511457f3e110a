import { afterEach, beforeEach, expect } from "vitest";
import type { JobDoc } from "../../contracts/index.js";
import type { StorePort } from "../../store/port.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

export type MakeStore = () => Promise<{ store: StorePort; cleanup(): Promise<void> }>;

export const spec = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  bodyMd: `# ${key}\nDo the thing.`,
  capabilities: ["lang:ts"],
  ...extra,
});

/** A fresh harness per test on a fresh store, with the calls every API suite uses. */
export function useApiHarness(makeStore: MakeStore) {
  const context = {} as {
    h: ApiHarness;
    submit(body: unknown, as?: "operator" | "otherOperator"): ReturnType<ApiHarness["call"]>;
    getJob(id: string): Promise<JobDoc>;
    runToShipped(id: string): Promise<void>;
    /** Accepts the current assignment and ships it, reporting what it cost. */
    runToShippedAssigned(id: string, costUsd: number): Promise<void>;
    /** A new coordinator process on the same store (indexes and counters rebuilt from it). */
    restart(): Promise<ApiHarness>;
    deadLetter(key: string): Promise<JobDoc>;
    writes(): number;
  };
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const made = await makeStore();
    cleanup = made.cleanup;
    let h = await startApiHarness(made.store);
    // The token of the pool the job was assigned to, for the job's product (a pool token serves one product).
    const poolToken = (id: string) => {
      const job = h.app.coordinator.activeJob(id);
      const pool = job?.lease?.pool === "gpu" ? "gpu" : "general";
      return job?.productId === "globex" ? (`${pool}Globex` as const) : pool;
    };
    const accept = (id: string, epoch: number) => h.call("POST", `/fleet/jobs/${id}/lease/accept`, { as: poolToken(id), factoryId: "f-1", body: { leaseEpoch: epoch } });
    const release = (id: string, body: unknown) => h.call("POST", `/fleet/jobs/${id}/lease/release`, { as: poolToken(id), factoryId: "f-1", body });
    context.h = h;
    context.submit = (body, as = "operator") => h.call("POST", "/fleet/jobs", { body, as });
    context.getJob = async (id) => (await h.call("GET", `/fleet/jobs/${id}`)).json() as JobDoc;
    context.runToShipped = async (id) => {
      await h.tick();
      const job = await context.getJob(id);
      expect(job.stage).toBe("assigned");
      expect((await accept(id, job.leaseEpoch)).statusCode).toBe(200);
      expect((await release(id, { leaseEpoch: job.leaseEpoch, outcome: "shipped" })).statusCode).toBe(200);
    };
    context.runToShippedAssigned = async (id, costUsd) => {
      const job = await context.getJob(id);
      expect(job.stage).toBe("assigned");
      expect((await accept(id, job.leaseEpoch)).statusCode).toBe(200);
      const released = await release(id, { leaseEpoch: job.leaseEpoch, outcome: "shipped", insights: { costUsd } });
      expect(released.statusCode, released.body).toBe(200);
    };
    context.restart = async () => {
      await h.close();
      h = await startApiHarness(made.store);
      context.h = h;
      return h;
    };
    context.deadLetter = async (key) => {
      const job = (await context.submit(spec(key, { retry: { max: 0, backoffSeconds: 1, backoffMaxSeconds: 1 } }))).json().job as JobDoc;
      await h.tick();
      const epoch = (await context.getJob(job.id)).leaseEpoch;
      expect((await accept(job.id, epoch)).statusCode).toBe(200);
      await release(job.id, { leaseEpoch: epoch, outcome: "retryable", message: "boom" });
      expect((await context.getJob(job.id)).stage).toBe("dead_letter");
      return job;
    };
    context.writes = () => {
      const ops = h.store.stats().ops;
      return ops.create + ops.replace + ops.upsert + ops.delete;
    };
  });
  afterEach(async () => {
    await context.h.close();
    await cleanup();
  });
  return context;
}
