import type { DeadLetterInfo, JobDoc, Stage } from "../../contracts/index.js";
import { eventActorOf, withEvent } from "./job-events.js";
import { withdrawOpenReview } from "./review-round.js";
import { type Actor, assertJobTransition } from "./transitions.js";

/** Moves a job to a terminal stage, dropping its lease and outbox marker. */
export function finishJob(
  job: JobDoc,
  stage: Extract<Stage, "shipped" | "failed" | "dead_letter" | "cancelled">,
  actor: Actor,
  now: number,
  details: { reason?: string; deadLetter?: DeadLetterInfo },
): JobDoc {
  assertJobTransition(job, stage, actor);
  const next: JobDoc = withdrawOpenReview({ ...job, stage, updatedAt: now }, now);
  delete next.lease;
  delete next.outbox;
  delete next.notBefore;
  delete next.preemption;
  if (details.reason === undefined) delete next.stageReason;
  else next.stageReason = details.reason;
  if (details.deadLetter !== undefined) next.deadLetter = details.deadLetter;
  return withEvent(next, stage, eventActorOf(actor), now, details.reason === undefined ? undefined : { reason: details.reason });
}
