import type { JobDoc, JobEvent } from "../../contracts/index.js";

/** The event data key under which a leader records its epoch on every event it writes. */
export const LEADER_EPOCH_KEY = "leaderEpoch";

/**
 * Stamps the leader's epoch on the events a job write appends. Only the leader writes jobs (the
 * other replicas forward to it), so every event that does not carry an epoch yet is new in this
 * write. A write by a deposed leader that lands late therefore carries an epoch older than the
 * lease's, which anyone reading the job can see. Returns the same object when nothing is new.
 * (A job written before leadership was switched on gets the first leader's epoch on its older
 * events too, the next time it is written: they carry no epoch of their own to keep.)
 */
export function stampLeaderEpoch(job: JobDoc, epoch: number): JobDoc {
  if (job.events.every((event) => leaderEpochOf(event) !== undefined)) return job;
  return { ...job, events: job.events.map((event) => (leaderEpochOf(event) !== undefined ? event : { ...event, data: { ...event.data, [LEADER_EPOCH_KEY]: epoch } })) };
}

/** The leader epoch an event was written under; undefined for events written without leadership. */
export function leaderEpochOf(event: JobEvent): number | undefined {
  const value = event.data?.[LEADER_EPOCH_KEY];
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}
