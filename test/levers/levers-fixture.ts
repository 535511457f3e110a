import { afterEach, beforeEach, expect } from "vitest";
import type { JobDoc, Topology } from "../../contracts/index.js";
import type { FleetEvent } from "../../coordinator/service/fleet-events.js";
import type { StorePort } from "../../store/port.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

export type MakeStore = () => Promise<{ store: StorePort; cleanup(): Promise<void> }>;

export const spec = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  bodyMd: `# ${key}\nDo the thing.`,
  capabilities: ["lang:ts"],
  ...extra,
});

/** One coordinator per test on a fresh store, its fleet events recorded, with the calls the
 * levers' tests make. `restart()` builds a new coordinator on the same store at the same time. */
export function leversFixture(makeStore: MakeStore, topology?: () => Topology) {
  const f = {} as {
    h: ApiHarness;
    events: FleetEvent[];
    store: StorePort;
    restart(): Promise<void>;
    submit(body: unknown, as?: "operator" | "otherOperator"): Promise<JobDoc>;
    job(id: string): Promise<JobDoc>;
    accept(id: string, epoch: number, factoryId?: string, as?: "general" | "gpu"): Promise<JobDoc>;
    renew(id: string, epoch: number, factoryId?: string, as?: "general" | "gpu"): Promise<Record<string, unknown>>;
    release(id: string, body: Record<string, unknown>, factoryId?: string, as?: "general" | "gpu"): Promise<{ statusCode: number; body: Record<string, unknown> }>;
    /** Ticks, then accepts the job's assignment; returns the running job. */
    start(id: string, factoryId?: string): Promise<JobDoc>;
  };
  let cleanup: () => Promise<void>;

  const attach = (h: ApiHarness) => {
    f.h = h;
    h.app.coordinator.onFleetEvent((event) => f.events.push(event));
  };

  beforeEach(async () => {
    const made = await makeStore();
    cleanup = made.cleanup;
    f.store = made.store;
    f.events = [];
    attach(await startApiHarness(made.store, topology?.()));
  });
  afterEach(async () => {
    await f.h.close();
    await cleanup();
  });

  f.restart = async () => {
    const clock = f.h.clock;
    await f.h.close();
    attach(await startApiHarness(f.store, topology?.(), { clock }));
  };
  f.submit = async (body, as = "operator") => {
    const response = await f.h.call("POST", "/fleet/jobs", { body, as });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json().job as JobDoc;
  };
  f.job = async (id) => (await f.h.call("GET", `/fleet/jobs/${id}`)).json() as JobDoc;
  // A pool token serves one product: a globex job on the general pool uses globex's token.
  const factoryToken = (id: string, as: "general" | "gpu") =>
    f.h.app.coordinator.activeJob(id)?.productId === "globex" ? (`${as}Globex` as const) : as;
  f.accept = async (id, epoch, factoryId = "f-1", as = "general") => {
    const response = await f.h.call("POST", `/fleet/jobs/${id}/lease/accept`, { as: factoryToken(id, as), factoryId, body: { leaseEpoch: epoch } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as JobDoc;
  };
  f.renew = async (id, epoch, factoryId = "f-1", as = "general") => {
    const response = await f.h.call("POST", `/fleet/jobs/${id}/lease/renew`, { as: factoryToken(id, as), factoryId, body: { leaseEpoch: epoch } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Record<string, unknown>;
  };
  f.release = async (id, body, factoryId = "f-1", as = "general") => {
    const response = await f.h.call("POST", `/fleet/jobs/${id}/lease/release`, { as: factoryToken(id, as), factoryId, body });
    return { statusCode: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  f.start = async (id, factoryId = "f-1") => {
    await f.h.tick();
    const job = await f.job(id);
    expect(job.stage).toBe("assigned");
    return f.accept(id, job.leaseEpoch, factoryId, job.lease?.pool === "gpu" ? "gpu" : "general");
  };
  return f;
}
