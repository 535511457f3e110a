import { afterEach, describe, expect, it } from "vitest";
import type { ControlChange, DeadLetterChange, JobStageChange, PoolHistoryResponse, PoolScaleSample } from "../../contracts/event-stream.js";
import { SseClient } from "../support/sse-client.js";
import { type StreamHarness, startStreamHarness } from "../support/stream-harness.js";

/** The fleet stream's protocol over real HTTP: event types, scope, filters, resume, pool samples. */
describe("GET /fleet/events/stream", () => {
  const open: (SseClient | StreamHarness)[] = [];
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) {
      if (item instanceof SseClient) item.close();
      else await item.close();
    }
  });
  const harness = async (options: Parameters<typeof startStreamHarness>[0] = {}) => {
    const h = await startStreamHarness(options);
    open.push(h);
    return h;
  };
  const stream = async (h: StreamHarness, options: { query?: string; lastEventId?: string; as?: "acme" | "globex" | "fleet" } = {}) => {
    const client = await SseClient.open(`${h.url}/fleet/events/stream${options.query === undefined ? "" : `?${options.query}`}`, {
      token: h.tokens[options.as ?? "acme"],
      ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
    });
    open.push(client);
    return client;
  };
  const stages = (client: SseClient) => client.data<JobStageChange>("job.stage");

  it("opens with hello and its id, then job stage changes and dead letters, with monotonic ids", async () => {
    const h = await harness();
    const client = await stream(h);
    await client.until(() => client.events.length === 1);
    expect(client.events[0]!.event).toBe("hello");
    const job = await h.submit("a");
    await h.ship(job.id);
    const dead = await h.submit("poison");
    await h.app.coordinator.tick();
    const assigned = await h.app.coordinator.getJob(undefined, dead.id);
    await h.app.coordinator.deadLetter(dead.id, { epoch: assigned.leaseEpoch, pool: "general", reason: "MaxDeliveryCountExceeded" });
    await client.until(() => client.data<DeadLetterChange>("dead_letter").length === 1, 5000, "the dead letter");
    expect(stages(client).filter((s) => s.jobId === job.id).map((s) => [s.from, s.to])).toEqual([
      [null, "queued"],
      ["queued", "assigned"],
      ["assigned", "building"],
      ["building", "shipped"],
    ]);
    const letter = client.data<DeadLetterChange>("dead_letter")[0]!;
    expect(letter).toMatchObject({ jobId: dead.id, pool: "general", reason: "MaxDeliveryCountExceeded", source: "broker" });
    const numbers = client.events.map((e) => Number(e.id!.split("-")[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(client.events.map((e) => e.id!.split("-")[0])).size).toBe(1);
    expect(stages(client)[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("carries what operators' levers did: a pause and a resume of the product are control events", async () => {
    const h = await harness();
    const client = await stream(h);
    await client.until(() => client.events.length === 1);
    await h.app.coordinator.pauseProduct("acme", { mode: "finish", reason: "holiday freeze" }, "op-acme");
    await h.app.coordinator.resumeProduct("acme", "op-acme");
    await client.until(() => client.data<ControlChange>("control").length === 2, 5000, "the pause and resume events");
    expect(client.data<ControlChange>("control").map((c) => [c.kind, c.productId])).toEqual([
      ["product.paused", "acme"],
      ["product.resumed", "acme"],
    ]);
    expect(client.data<ControlChange>("control")[0]!.details).toMatchObject({ reason: "holiday freeze" });
  });

  it("shows a product's token its own jobs only, a fleet-wide token every product's", async () => {
    const h = await harness();
    const acme = await stream(h, { as: "acme" });
    const globex = await stream(h, { as: "globex" });
    const fleet = await stream(h, { as: "fleet" });
    const a = await h.submit("a", "acme");
    const g = await h.submit("g", "globex");
    await fleet.until(() => stages(fleet).length === 2);
    await acme.until(() => stages(acme).length === 1);
    await globex.until(() => stages(globex).length === 1);
    expect(stages(acme).map((s) => s.jobId)).toEqual([a.id]);
    expect(stages(globex).map((s) => s.jobId)).toEqual([g.id]);
    expect(stages(fleet).map((s) => s.productId).sort()).toEqual(["acme", "globex"]);
  });

  it("filters by stage, job and pool; a filter an event lacks leaves it out", async () => {
    const h = await harness();
    const shipped = await stream(h, { query: "stage=shipped,failed" });
    const one = await stream(h, { query: "job=" });
    expect(one.status).toBe(400);
    const a = await h.submit("a");
    const b = await h.submit("b");
    const byJob = await stream(h, { query: `job=${b.id}` });
    const byPool = await stream(h, { query: "pool=gpu" });
    await h.ship(a.id);
    await h.ship(b.id);
    await shipped.until(() => stages(shipped).length === 2);
    expect(stages(shipped).map((s) => s.to)).toEqual(["shipped", "shipped"]);
    await byJob.until(() => stages(byJob).some((s) => s.to === "shipped"));
    expect(new Set(stages(byJob).map((s) => s.jobId))).toEqual(new Set([b.id]));
    // Nothing ran on gpu: the stream has its hello and nothing else.
    expect(byPool.events.map((e) => e.event)).toEqual(["hello"]);
    const bad = await stream(h, { query: "stage=nope" });
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe("VALIDATION");
  });

  it("resumes from Last-Event-ID with exactly the missed events; an id it cannot resume gets reset", async () => {
    const h = await harness();
    // A witness that stays connected throughout sees everything.
    const witness = await stream(h);
    const first = await stream(h);
    await h.submit("a");
    await first.until(() => stages(first).length === 1);
    const lastId = first.events[first.events.length - 1]!.id!;
    first.close();
    const b = await h.submit("b");
    await h.ship(b.id);
    await witness.until(() => stages(witness).some((s) => s.jobId === b.id && s.to === "shipped"));
    const expected = witness.events.slice(witness.events.findIndex((e) => e.id === lastId) + 1);
    expect(expected.length).toBeGreaterThan(3);
    const again = await stream(h, { lastEventId: lastId });
    await again.until(() => again.events.length === expected.length, 5000, "the missed events");
    expect(again.events.map((e) => [e.id, e.event, e.data])).toEqual(expected.map((e) => [e.id, e.event, e.data]));
    const stranger = await stream(h, { lastEventId: "0badf00d-7" });
    await stranger.until(() => stranger.events.length === 1);
    expect(stranger.events[0]!.event).toBe("reset");
    expect(JSON.parse(stranger.events[0]!.data).reason).toContain("reload");
    // The reset carries the current id, so the next reconnect resumes from here.
    expect(stranger.events[0]!.id).toBe(again.events[again.events.length - 1]!.id);
  });

  it("samples each pool's scale, serves the last hour and pushes changes", async () => {
    const h = await harness({ poolHistoryMs: 40 });
    const client = await stream(h, { query: "pool=general" });
    const job = await h.submit("a");
    await h.app.coordinator.tick();
    expect((await h.app.coordinator.getJob(undefined, job.id)).stage).toBe("assigned");
    await client.until(() => client.data<PoolScaleSample>("pool.scale").some((s) => s.inFlightLeases === 1), 5000, "a sample with the lease");
    const samples = client.data<PoolScaleSample>("pool.scale");
    expect(samples.every((s) => s.pool === "general")).toBe(true);
    expect(samples.find((s) => s.inFlightLeases === 1)).toMatchObject({ awaitingAccept: 1, desiredReplicas: expect.any(Number) });
    const response = await h.call("GET", "/fleet/pools/history");
    expect(response.status).toBe(200);
    const history = response.json() as PoolHistoryResponse;
    expect(history.intervalMs).toBe(40);
    expect(history.pools.map((p) => p.pool)).toEqual(["general", "gpu"]);
    expect(history.pools[0]!.samples.length).toBeGreaterThan(1);
    expect(history.lastHour).toEqual({ shipped: 0, failed: 0, deadLettered: 0, cancelled: 0 });
    expect((await h.call("GET", "/fleet/pools/history?pool=nope")).status).toBe(404);
  });

  it("counts the jobs that ended in the last hour per product", async () => {
    const h = await harness();
    const a = await h.submit("a", "acme");
    await h.ship(a.id);
    const g = await h.submit("g", "globex");
    expect((await h.call("POST", `/fleet/jobs/${g.id}/actions/cancel`, "globex", {})).status).toBe(200);
    const acme = (await h.call("GET", "/fleet/pools/history", "acme")).json() as PoolHistoryResponse;
    const fleet = (await h.call("GET", "/fleet/pools/history", "fleet")).json() as PoolHistoryResponse;
    expect(acme.lastHour).toEqual({ shipped: 1, failed: 0, deadLettered: 0, cancelled: 0 });
    expect(fleet.lastHour).toEqual({ shipped: 1, failed: 0, deadLettered: 0, cancelled: 1 });
  });
});
