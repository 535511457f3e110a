import { afterEach, describe, expect, it } from "vitest";
import type { StreamError } from "../../contracts/event-stream.js";
import type { StreamLimits } from "../../coordinator/api/stream-registry.js";
import { SseClient } from "../support/sse-client.js";
import { type StreamHarness, startStreamHarness } from "../support/stream-harness.js";

/** What keeps the streams bounded: heartbeats, the per-caller limit, slow-client cut-off, shutdown. */
describe("event stream limits", () => {
  const open: (SseClient | StreamHarness)[] = [];
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) {
      if (item instanceof SseClient) item.close();
      else await item.close();
    }
  });
  const harness = async (streams: Partial<StreamLimits>) => {
    const h = await startStreamHarness({ streams });
    open.push(h);
    return h;
  };
  const fleet = async (h: StreamHarness, as: "acme" | "globex" = "acme", paused = false) => {
    const client = await SseClient.open(`${h.url}/fleet/events/stream`, { token: h.tokens[as], paused });
    open.push(client);
    return client;
  };

  it("sends heartbeat comments on an idle stream", async () => {
    const h = await harness({ heartbeatMs: 50 });
    const client = await fleet(h);
    await client.until(() => client.comments.filter((c) => c.startsWith("heartbeat")).length >= 3, 3000, "three heartbeats");
    expect(client.events.map((e) => e.event)).toEqual(["hello"]);
  });

  it("refuses a caller's streams beyond its limit with 429 and Retry-After, and admits again once one closes", async () => {
    const h = await harness({ perCaller: 2, retryAfterSeconds: 7 });
    const a = await fleet(h);
    await fleet(h);
    const third = await fleet(h);
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("7");
    expect(third.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: "RATE_LIMITED" });
    expect(third.json<{ error: { message: string } }>().error.message).toContain("2 open event streams");
    // The job stream counts against the same limit.
    const job = await h.submit("a");
    const jobStream = await SseClient.open(`${h.url}/fleet/jobs/${job.id}/events/stream`, { token: h.tokens.acme });
    open.push(jobStream);
    expect(jobStream.status).toBe(429);
    // Another caller is not affected.
    expect((await fleet(h, "globex")).status).toBe(200);
    a.close();
    const registry = h.app.streams!.registry;
    for (let i = 0; i < 100 && registry.stats().open > 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fleet(h)).status).toBe(200);
  });

  it("cuts off a client that stops reading, with a final error naming why; others carry on", async () => {
    const h = await harness({ maxBufferedBytes: 64 * 1024, closeGraceMs: 30_000 });
    const slow = await fleet(h, "acme", true);
    const fast = await fleet(h);
    const registry = h.app.streams!.registry;
    // Events until the slow client's socket and then our buffer are full (bounded). Small
    // batches with a pause between them let the fast client (in this same process) keep up.
    let submitted = 0;
    while (registry.stats().cutOff === 0 && submitted < 40_000) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.app.coordinator.submit("acme", { idempotencyKey: `k-${submitted + i}`, title: "x".repeat(200), bodyMd: "b", persona: "engineer", capabilities: [], priority: "medium", deps: [], depsMode: "hard", kind: "leaf" }),
        ),
      );
      submitted += 20;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(registry.stats().cutOff).toBe(1);
    slow.resume();
    await slow.ended;
    const last = slow.events[slow.events.length - 1]!;
    expect(last.event).toBe("error");
    const error = JSON.parse(last.data) as StreamError;
    expect(error.code).toBe("SLOW_CLIENT");
    expect(error.message).toContain("Last-Event-ID");
    // Fewer events reached the slow client than were sent to the fast one, which is still open.
    await fast.until(() => fast.data("job.stage").length === submitted, 10_000, "every submission on the fast stream");
    expect(slow.data("job.stage").length).toBeLessThan(submitted);
    expect(registry.stats().open).toBe(1);
  });

  it("ends open streams when the coordinator shuts down, telling clients to resume", async () => {
    const h = await harness({});
    const client = await fleet(h);
    await client.until(() => client.events.length === 1);
    await h.close();
    open.splice(open.indexOf(h), 1);
    await client.ended;
    const last = client.events[client.events.length - 1]!;
    expect(last.event).toBe("error");
    expect((JSON.parse(last.data) as StreamError).code).toBe("SHUTTING_DOWN");
  });
});
