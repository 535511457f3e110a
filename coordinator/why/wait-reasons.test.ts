import { describe, expect, it } from "vitest";
import type { ScorablePool } from "../scorer/index.js";
import { type WaitFacts, waitReasons } from "./wait-reasons.js";

const NOW = Date.parse("2026-01-31T09:30:00.000Z");
const pool = (name: string, fields: Partial<ScorablePool> = {}): ScorablePool => ({
  name,
  capabilities: ["lang:ts"],
  capacity: 4,
  inFlight: 0,
  costPerHour: 1,
  health: "ok",
  paused: false,
  ...fields,
});
const facts = (job: Partial<WaitFacts["job"]> = {}, rest: Partial<Omit<WaitFacts, "job">> = {}): WaitFacts => ({
  now: NOW,
  job: { stage: "queued", capabilities: ["lang:ts"], depsMode: "hard", retries: 0, retryMax: 3, updatedAt: NOW - 1000, ...job },
  deps: [],
  pools: [pool("general"), pool("gpu", { capabilities: ["gpu", "lang:ts"] })],
  ahead: 0,
  ...rest,
});
const codes = (f: WaitFacts) => waitReasons(f).map((reason) => reason.code);

describe("why a job waits", () => {
  it("names unmet dependencies by key and stage, per deps mode", () => {
    const deps = [
      { id: "j-1", key: "build-api", stage: "building" as const },
      { id: "j-2", key: "lint", stage: "testing" as const },
      { id: "j-3", key: "docs", stage: "shipped" as const },
      { id: "j-4" },
    ];
    const [hard] = waitReasons(facts({ stage: "blocked" }, { deps }));
    expect(hard).toMatchObject({ code: "deps_unmet", facts: { needs: "shipped", total: 4 } });
    expect(hard!.message).toBe("waiting for 3 of 4 dependencies to reach shipped: build-api (building), lint (testing), j-4 (missing)");
    const [soft] = waitReasons(facts({ stage: "blocked", depsMode: "soft" }, { deps }));
    expect((soft!.facts.unmet as { key: string | null }[]).map((dep) => dep.key)).toEqual(["build-api", null]);
    expect(codes(facts({ stage: "blocked" }, { deps: [{ id: "j-3", key: "docs", stage: "shipped" }] }))).toEqual(["next_pass"]);
  });

  it("says how long a retry backs off, in ISO 8601", () => {
    const [reason] = waitReasons(facts({ notBefore: NOW + 60_000, retries: 1, stageReason: "tests failed" }));
    expect(reason).toMatchObject({ code: "retry_backoff", facts: { until: "2026-01-31T09:31:00.000Z", retries: 1, retryMax: 3 } });
    expect(reason!.message).toContain("until 2026-01-31T09:31:00.000Z (1 of 3 retries used): tests failed");
    expect(codes(facts({ notBefore: NOW - 1 }))).toEqual(["next_pass"]);
  });

  it("lists what each pool lacks when none can run the job", () => {
    const [reason] = waitReasons(facts({ capabilities: ["lang:ts", "os:windows"] }));
    expect(reason).toMatchObject({
      code: "no_capable_pool",
      facts: { needs: ["lang:ts", "os:windows"], pools: [{ pool: "general", missing: ["os:windows"] }, { pool: "gpu", missing: ["os:windows"] }] },
    });
  });

  it("tells paused pools from pools that are down, and a full window from a free one", () => {
    const gpuOnly = { capabilities: ["gpu"] };
    expect(codes(facts(gpuOnly, { pools: [pool("gpu", { capabilities: ["gpu"], paused: true })] }))).toEqual(["pool_paused"]);
    expect(codes(facts(gpuOnly, { pools: [pool("gpu", { capabilities: ["gpu"], health: "down" })] }))).toEqual(["pool_down"]);
    const full = waitReasons(facts({}, { pools: [pool("general", { inFlight: 4 }), pool("gpu", { capabilities: ["gpu", "lang:ts"], inFlight: 2, capacity: 2 })], ahead: 3 }));
    expect(full[0]).toMatchObject({ code: "capacity_window", facts: { ahead: 3, position: 4, pools: [{ pool: "general", inFlight: 4, capacity: 4 }, { pool: "gpu", inFlight: 2, capacity: 2 }] } });
    expect(full[0]!.message).toBe("every pool that can run it is at its capacity window (general 4 of 4, gpu 2 of 2); 3 ready jobs rank ahead of it");
    const pausedAndFull = waitReasons(facts({}, { pools: [pool("general", { inFlight: 4 }), pool("gpu", { capabilities: ["gpu", "lang:ts"], paused: true })] }));
    expect(pausedAndFull[0]).toMatchObject({ code: "capacity_window", facts: { unavailable: ["gpu paused"] } });
  });

  it("is behind higher-priority work when more jobs rank ahead than seats are free", () => {
    const pools = [pool("general", { inFlight: 2 })];
    expect(waitReasons(facts({}, { pools, ahead: 2 }))[0]).toMatchObject({ code: "behind_higher_priority", facts: { ahead: 2, position: 3, freeSeats: 2 } });
    expect(codes(facts({}, { pools, ahead: 1 }))).toEqual(["next_pass"]);
  });

  it("says where an assigned or running job is and since when, and how a job finished", () => {
    const lease = { pool: "general", assignedAt: NOW - 5000, acceptBy: NOW + 55_000 };
    expect(waitReasons(facts({ stage: "assigned", lease }))[0]).toMatchObject({
      code: "awaiting_accept",
      facts: { pool: "general", since: "2026-01-31T09:29:55.000Z", acceptBy: "2026-01-31T09:30:55.000Z" },
    });
    const running = waitReasons(facts({ stage: "review", lease: { ...lease, factoryId: "f-7", acceptedAt: NOW - 4000, expiresAt: NOW + 116_000 } }))[0]!;
    expect(running).toMatchObject({ code: "running", facts: { factoryId: "f-7", since: "2026-01-31T09:29:56.000Z" } });
    expect(running.message).toBe("running (review) on pool general, factory f-7, since 2026-01-31T09:29:56.000Z");
    const dead = waitReasons(facts({ stage: "dead_letter", deadLetter: { reason: "RetriesExhausted", source: "retries" } }))[0]!;
    expect(dead).toMatchObject({ code: "finished", message: "finished: dead_letter (RetriesExhausted)", facts: { deadLetterSource: "retries" } });
  });
});
