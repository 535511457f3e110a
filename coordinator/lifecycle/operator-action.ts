import { FleetError, type JobDoc, type OperatorAction } from "../../contracts/index.js";
import { finishJob } from "./finish-job.js";
import { withoutLeaseLosses } from "./lose-lease.js";
import { requeueJob } from "./requeue.js";

/**
 * Operator actions. Each one moves the job away from whoever holds it; requeue bumps the epoch so a
 * factory still working is fenced. `requeue` of a finished job (failed, dead_letter, cancelled) is
 * how a dead letter is replayed: the retry count starts over. Every requeue by an operator ends a
 * run of lost leases (lose-lease.ts): the operator has looked at the job. `ship` is idempotent; the
 * others are refused (ILLEGAL_TRANSITION, 409) from a stage the transition table does not allow.
 */
export function applyOperatorAction(job: JobDoc, action: OperatorAction, now: number, reason?: string): JobDoc {
  switch (action) {
    case "requeue": {
      const finished = job.stage === "failed" || job.stage === "dead_letter" || job.stage === "cancelled" || job.stage === "shipped";
      const base = withoutLeaseLosses(finished ? { ...job, retries: 0 } : job);
      return requeueJob(base, now, { actor: "operator", reason: reason ?? "requeued by operator", consumeRetry: false });
    }
    case "reject":
      return finishJob(job, "failed", "operator", now, { reason: reason ?? "rejected by operator" });
    case "cancel":
      return finishJob(job, "cancelled", "operator", now, { reason: reason ?? "cancelled by operator" });
    case "ship":
      // Idempotent: shipping a shipped job again changes nothing (a retried click or script).
      if (job.stage === "shipped") return job;
      return finishJob(job, "shipped", "operator", now, { reason: reason ?? "shipped by operator" });
    default:
      throw new FleetError("VALIDATION", `unknown action '${String(action)}'`);
  }
}
