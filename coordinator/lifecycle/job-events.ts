import type { EventActor, JobDoc, JobEvent } from "../../contracts/index.js";
import type { Actor } from "./transitions.js";

/** Returns `job` with one more timeline event. Pure: the caller commits the result in the same
 * conditional write as the state change it describes, so history and state never disagree. */
export function withEvent(
  job: JobDoc,
  type: string,
  actor: EventActor,
  now: number,
  data?: Record<string, unknown>,
): JobDoc {
  const event: JobEvent = { seq: job.nextEventSeq, type, at: now, actor, epoch: job.leaseEpoch };
  if (data !== undefined) event.data = data;
  return { ...job, events: [...job.events, event], nextEventSeq: job.nextEventSeq + 1, updatedAt: now };
}

/** Reviewers are operators: their decisions appear on the timeline as the operator's, naming the reviewer in the data. */
export function eventActorOf(actor: Actor): EventActor {
  return actor === "reviewer" ? "operator" : actor;
}
