import type { DeadLetterInfo, EventActor, JobDoc, Stage } from "../../contracts/index.js";
import { withEvent } from "./job-events.js";
import { type Actor, assertTransition } from "./transitions.js";

/** Moves a job to a terminal stage, dropping its lease and outbox marker. */
export function finishJob(
  job: JobDoc,
  stage: Extract<Stage, "shipped" | "failed" | "dead_letter" | "cancelled">,
  actor: Actor & EventActor,
  now: number,
  details: { reason?: string; deadLetter?: DeadLetterInfo },
): JobDoc {
  assertTransition(job.stage, stage, actor);
  const next: JobDoc = { ...job, stage, updatedAt: now };
  delete next.lease;
  delete next.outbox;
  delete next.notBefore;
  delete next.preemption;
  if (details.reason === undefined) delete next.stageReason;
  else next.stageReason = details.reason;
  if (details.deadLetter !== undefined) next.deadLetter = details.deadLetter;
  return withEvent(next, stage, actor, now, details.reason === undefined ? undefined : { reason: details.reason });
}
