import { describe, expect, it } from "vitest";
import { CoordinatorClient } from "./coordinator-client.js";
import type { CoordinatorCall, CoordinatorTransport, TransportOutcome } from "./coordinator-port.js";
import { ManualTime } from "./engines/manual-time.js";

/** A transport that plays back outcomes, one per try, and records when each try was made. */
function scripted(time: ManualTime, outcomes: TransportOutcome<unknown>[]) {
  const tries: { op: CoordinatorCall["op"]; at: number }[] = [];
  const transport: CoordinatorTransport = {
    async send(call) {
      tries.push({ op: call.op, at: time.now() });
      const next = outcomes.shift() ?? { answered: false, reason: "connection refused" };
      // The test scripts outcomes of the shape the call answers with.
      return next as never;
    },
  };
  return { transport, tries };
}

describe("the coordinator client's retry policy", () => {
  it("retries tries without an answer with jittered exponential backoff, then returns the answer", async () => {
    const time = new ManualTime();
    const { transport, tries } = scripted(time, [
      { answered: false, reason: "connection refused" },
      { answered: false, reason: "HTTP 503" },
      { answered: true, result: { ok: true, value: { jobId: "j", leaseEpoch: 2, expiresAt: 1 } } },
    ]);
    const retries: string[] = [];
    const client = new CoordinatorClient({ transport, clock: time, timers: time, random: () => 0, onRetry: (op, attempt, reason) => retries.push(`${op} ${attempt} ${reason}`) });
    const result = client.renew("j", 2);
    await time.advance(10_000);
    expect(await result).toEqual({ ok: true, value: { jobId: "j", leaseEpoch: 2, expiresAt: 1 } });
    // With random() = 0 the equal-jitter backoff waits half the ceiling: 100 ms, then 200 ms.
    expect(tries.map((t) => t.at - tries[0]!.at)).toEqual([0, 100, 300]);
    expect(retries).toEqual(["renew 1 connection refused", "renew 2 HTTP 503"]);
  });

  it("returns an error answer at once, without retrying", async () => {
    const time = new ManualTime();
    const { transport, tries } = scripted(time, [{ answered: true, result: { ok: false, status: 409, code: "STALE_EPOCH", message: "reassigned" } }]);
    const client = new CoordinatorClient({ transport, clock: time, timers: time, random: () => 0.5 });
    expect(await client.report("j", 1, "review")).toMatchObject({ ok: false, code: "STALE_EPOCH" });
    expect(tries).toHaveLength(1);
  });

  it("gives up with UNREACHABLE once the call's retry window has passed on the agent's clock", async () => {
    const time = new ManualTime();
    const { transport, tries } = scripted(time, []);
    const client = new CoordinatorClient({ transport, clock: time, timers: time, random: () => 1 });
    const result = client.accept("j", 1, 3000);
    await time.advance(10_000);
    expect(await result).toMatchObject({ ok: false, status: 0, code: "UNREACHABLE", message: "coordinator unreachable: connection refused" });
    // 200, 400, 800, 1600 ms (random() = 1 waits the whole ceiling): the try at 3000 ms is the last.
    expect(tries.map((t) => t.at - tries[0]!.at)).toEqual([0, 200, 600, 1400, 3000]);
    expect(time.pendingTimers()).toBe(0);
  });
});
