import { afterEach, describe, expect, it } from "vitest";
import type { JobStreamEvent } from "../../contracts/event-stream.js";
import type { JobEvent } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { SseClient } from "../support/sse-client.js";
import { type StreamHarness, startStreamHarness } from "../support/stream-harness.js";

/** The job stream's protocol over real HTTP: ids, resume, the polling cursor, auth and scope. */
describe("GET /fleet/jobs/:id/events/stream", () => {
  const open: (SseClient | StreamHarness)[] = [];
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) {
      if (item instanceof SseClient) item.close();
      else await item.close();
    }
  });
  const harness = async (store?: MemoryStore) => {
    const h = await startStreamHarness(store === undefined ? {} : { store });
    open.push(h);
    return h;
  };
  const stream = async (h: StreamHarness, jobId: string, options: { lastEventId?: string; as?: "acme" | "globex" | "fleet" } = {}) => {
    const client = await SseClient.open(`${h.url}/fleet/jobs/${jobId}/events/stream`, {
      token: h.tokens[options.as ?? "acme"],
      ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
    });
    open.push(client);
    return client;
  };
  const timeline = async (h: StreamHarness, id: string, after?: number) => {
    const response = await h.call("GET", `/fleet/jobs/${id}/events${after === undefined ? "" : `?after=${after}`}`);
    expect(response.status).toBe(200);
    return (response.json() as { items: JobEvent[] }).items;
  };
  const seqs = (client: SseClient) => client.events.filter((e) => e.event === "job.event").map((e) => Number(e.id));

  it("sends the whole timeline, then live events, each with its seq as the event id", async () => {
    const h = await harness();
    const job = await h.submit("a");
    const client = await stream(h, job.id);
    expect(client.status).toBe(200);
    expect(client.headers["content-type"]).toContain("text/event-stream");
    await client.until(() => seqs(client).length === 1, 5000, "the submitted event");
    await h.ship(job.id);
    const all = await timeline(h, job.id);
    await client.until(() => seqs(client).length === all.length, 5000, "every event of the shipped job");
    expect(seqs(client)).toEqual(all.map((e) => e.seq));
    const sent = client.data<JobStreamEvent>("job.event");
    expect(sent.map((e) => e.type)).toEqual(all.map((e) => e.type));
    expect(sent.every((e) => e.jobId === job.id)).toBe(true);
  });

  it("resumes from Last-Event-ID with exactly the events missed, then live ones", async () => {
    const h = await harness();
    const job = await h.submit("a");
    const first = await stream(h, job.id);
    await first.until(() => seqs(first).length === 1);
    first.close();
    // While disconnected: the job is assigned, accepted and shipped.
    await h.ship(job.id);
    const missed = await timeline(h, job.id, 0);
    expect(missed.length).toBeGreaterThan(2);
    const again = await stream(h, job.id, { lastEventId: "0" });
    await again.until(() => seqs(again).length === missed.length, 5000, "the missed events");
    expect(seqs(again)).toEqual(missed.map((e) => e.seq));
    // Then live: an operator requeues the shipped job.
    expect((await h.call("POST", `/fleet/jobs/${job.id}/actions/requeue`, "acme", {})).status).toBe(200);
    const after = await timeline(h, job.id, missed[missed.length - 1]!.seq);
    expect(after.length).toBeGreaterThan(0);
    await again.until(() => seqs(again).length === missed.length + after.length, 5000, "the live requeue event");
    expect(new Set(seqs(again)).size).toBe(seqs(again).length);
  });

  it("serves a stream from memory: no store read to connect or per event", async () => {
    const h = await harness();
    const job = await h.submit("a");
    const reads = () => h.store.stats().ops.read + h.store.stats().ops.query;
    const before = reads();
    const client = await stream(h, job.id, { lastEventId: "0" });
    await h.ship(job.id);
    const total = (await timeline(h, job.id)).length;
    await client.until(() => seqs(client).length === total - 1);
    // The timeline read above is the only store access: one point read and one query.
    expect(reads() - before).toBe(2);
  });

  it("reads a resume point older than memory holds from the store with one query, then goes live", async () => {
    const store = new MemoryStore();
    const first = await harness(store);
    const job = await first.submit("a");
    await first.ship(job.id);
    const all = await timeline(first, job.id);
    await first.close();
    open.splice(open.indexOf(first), 1);
    // A new process on the same store: its memory has never seen the job.
    const h = await harness(store);
    const queries = h.store.stats().ops.query;
    const client = await stream(h, job.id, { lastEventId: "1" });
    await client.until(() => seqs(client).length === all.length - 2, 5000, "the events after seq 1");
    expect(seqs(client)).toEqual(all.filter((e) => e.seq > 1).map((e) => e.seq));
    expect(h.store.stats().ops.query - queries).toBe(1);
    expect((await h.call("POST", `/fleet/jobs/${job.id}/actions/requeue`, "acme", {})).status).toBe(200);
    await client.until(() => seqs(client).length > all.length - 2, 5000, "the live requeue event");
    expect(seqs(client)[all.length - 2]).toBe(all.length);
  });

  it("refuses a Last-Event-ID that is not a seq, with the API's error body", async () => {
    const h = await harness();
    const job = await h.submit("a");
    const client = await stream(h, job.id, { lastEventId: "abc" });
    expect(client.status).toBe(400);
    expect(client.json<{ error: { code: string; message: string } }>().error.code).toBe("VALIDATION");
    expect(client.json<{ error: { message: string } }>().error.message).toContain("Last-Event-ID");
  });

  it("authenticates like every route and hides other products' jobs", async () => {
    const h = await harness();
    const job = await h.submit("a");
    const none = await SseClient.open(`${h.url}/fleet/jobs/${job.id}/events/stream`);
    open.push(none);
    expect(none.status).toBe(401);
    expect(none.json<{ error: { code: string } }>().error.code).toBe("UNAUTHENTICATED");
    // Held in memory (just submitted) and read from the store (resume before memory): both hidden.
    const other = await stream(h, job.id, { as: "globex" });
    expect(other.status).toBe(404);
    expect(other.json<{ error: { code: string } }>().error.code).toBe("NOT_FOUND");
    expect((await stream(h, "no-such-job", { as: "globex" })).status).toBe(404);
    const fleet = await stream(h, job.id, { as: "fleet" });
    expect(fleet.status).toBe(200);
    await fleet.until(() => seqs(fleet).length === 1);
  });
});

describe("GET /fleet/jobs/:id/events?after=<seq>", () => {
  let h: StreamHarness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it("returns only the events after the cursor; -1 or none returns all", async () => {
    h = await startStreamHarness();
    const job = await h.submit("a");
    await h.ship(job.id);
    const all = ((await h.call("GET", `/fleet/jobs/${job.id}/events`)).json() as { items: JobEvent[] }).items;
    expect(all.length).toBeGreaterThan(3);
    const later = ((await h.call("GET", `/fleet/jobs/${job.id}/events?after=2`)).json() as { items: JobEvent[] }).items;
    expect(later.map((e) => e.seq)).toEqual(all.filter((e) => e.seq > 2).map((e) => e.seq));
    const everything = ((await h.call("GET", `/fleet/jobs/${job.id}/events?after=-1`)).json() as { items: JobEvent[] }).items;
    expect(everything).toEqual(all);
    const last = all[all.length - 1]!.seq;
    expect(((await h.call("GET", `/fleet/jobs/${job.id}/events?after=${last}`)).json() as { items: JobEvent[] }).items).toEqual([]);
    const bad = await h.call("GET", `/fleet/jobs/${job.id}/events?after=x`);
    expect(bad.status).toBe(400);
  });
});
