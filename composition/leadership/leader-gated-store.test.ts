import { describe, expect, it } from "vitest";
import { isFleetError } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { leaderEpochOf } from "../../coordinator/leadership/leader-stamp.js";
import { leaderGatedStore } from "./leader-gated-store.js";

describe("the leader's gated store", () => {
  it("stamps the leader epoch on every event a job write appends, and refuses every write once the gate closes; reads pass", async () => {
    const memory = new MemoryStore();
    let holding = true;
    let epoch = 7;
    const store = leaderGatedStore(memory, { holds: () => holding, epoch: () => (holding ? epoch : undefined) });
    const job = queuedJob({});
    const created = await store.create("jobs", job);
    expect(created.doc.events.map(leaderEpochOf)).toEqual(job.events.map(() => 7));
    const next = { ...created.doc, events: [...created.doc.events, { seq: created.doc.nextEventSeq, type: "note", at: 1, actor: "operator" as const, epoch: 0 }], nextEventSeq: created.doc.nextEventSeq + 1 };
    holding = false;
    const refused = await store.replace("jobs", next, created.etag).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isFleetError(refused, "LEADER_UNAVAILABLE")).toBe(true);
    expect(String((refused as Error).message)).toMatch(/does not hold the leadership lease/);
    await expect(store.upsert("checkpoints", { id: "x", productId: "fleet", data: {}, updatedAt: 1 })).rejects.toSatisfy((e: unknown) => isFleetError(e, "LEADER_UNAVAILABLE"));
    await expect(store.delete("jobs", job.id, job.id)).rejects.toSatisfy((e: unknown) => isFleetError(e, "LEADER_UNAVAILABLE"));
    expect((await store.get("jobs", job.id, job.id))?.doc.events.length).toBe(job.events.length);
    // A later leader stamps what it appends; events written under an earlier epoch keep theirs.
    holding = true;
    epoch = 8;
    const later = await store.replace("jobs", next, created.etag);
    expect(later.doc.events.map(leaderEpochOf)).toEqual([...job.events.map(() => 7), 8]);
  });
});
