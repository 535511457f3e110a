import { describe, expect, it } from "vitest";
import { JobDoc } from "../../contracts/index.js";
import { queuedJob } from "../../test/support/job-fixture.js";
import { acceptLease } from "./accept-lease.js";
import { assignJob } from "./assign-job.js";
import { reapLease } from "./reap-lease.js";
import { releaseLease } from "./release-lease.js";
import { reportStage } from "./report-stage.js";
import { requestPreemption } from "./request-preemption.js";
import { withdrawAssignment } from "./withdraw-assignment.js";

const T0 = 1_000_000;
const assigned = () => assignJob(queuedJob(), { pool: "general", acceptTimeoutMs: 60_000 }, T0);
const running = () => acceptLease(assigned(), { epoch: 1, factoryId: "f1", pool: "general", leaseMs: 30_000 }, T0 + 1);

describe("preemption on the job", () => {
  it("marks a running job once, with an event naming victim and preemptor", () => {
    const marked = requestPreemption(running(), { by: "j-critical", pool: "general" }, T0 + 5);
    expect(marked.preemption).toEqual({ by: "j-critical", pool: "general", at: T0 + 5 });
    expect(marked.events.at(-1)).toMatchObject({ type: "preemption_requested", data: { victim: marked.id, preemptor: "j-critical" } });
    expect(requestPreemption(marked, { by: "j-other", pool: "general" }, T0 + 6)).toBe(marked);
    expect(JobDoc.safeParse(marked).success).toBe(true);
  });

  it("refuses to preempt a job that is not running", () => {
    expect(() => requestPreemption(assigned(), { by: "j-critical", pool: "general" }, T0)).toThrow(/only a running job/);
    expect(() => requestPreemption(queuedJob(), { by: "j-critical", pool: "general" }, T0)).toThrow(/only a running job/);
  });

  it("requeues a preempted job with epoch + 1, its checkpoint kept, its count up, and a preempted event", () => {
    const withCheckpoint = reportStage(running(), { epoch: 1, factoryId: "f1", stage: "review", checkpoint: { ref: "wip" }, leaseMs: 30_000 }, T0 + 2);
    const marked = requestPreemption(withCheckpoint, { by: "j-critical", pool: "general" }, T0 + 5);
    const released = releaseLease(marked, { leaseEpoch: 1, outcome: "drained" }, "f1", T0 + 9);
    expect(released).toMatchObject({ stage: "queued", leaseEpoch: 2, checkpoint: { ref: "wip" }, preemptions: 1, retries: 0 });
    expect(released.preemption).toBeUndefined();
    expect(released.events.at(-1)).toMatchObject({ type: "preempted", data: { victim: released.id, preemptor: "j-critical", pool: "general", checkpoint: true } });
    expect(released.stageReason).toBe("preempted by critical job j-critical");
  });

  it("drops the mark when the attempt ends some other way", () => {
    const marked = requestPreemption(running(), { by: "j-critical", pool: "general" }, T0 + 5);
    const shipped = releaseLease(marked, { leaseEpoch: 1, outcome: "shipped" }, "f1", T0 + 9);
    expect(shipped.preemption).toBeUndefined();
    expect(shipped.preemptions).toBeUndefined();
    const reaped = reapLease(marked, T0 + 1 + 30_000);
    expect(reaped.stage).toBe("queued");
    expect(reaped.preemption).toBeUndefined();
  });
});

describe("withdrawing an assignment", () => {
  it("requeues an unaccepted assignment with epoch + 1 and no retry consumed", () => {
    const withdrawn = withdrawAssignment(assigned(), "pool drained", T0 + 3);
    expect(withdrawn).toMatchObject({ stage: "queued", leaseEpoch: 2, retries: 0, stageReason: "pool drained" });
    expect(withdrawn.lease).toBeUndefined();
    expect(withdrawn.outbox).toBeUndefined();
  });

  it("leaves accepted, queued and finished jobs alone", () => {
    const job = running();
    expect(withdrawAssignment(job, "x", T0)).toBe(job);
    const queued = queuedJob();
    expect(withdrawAssignment(queued, "x", T0)).toBe(queued);
  });
});
