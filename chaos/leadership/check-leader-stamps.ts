import type { JobEvent } from "../../contracts/index.js";
import { leaderEpochOf } from "../../coordinator/leadership/leader-stamp.js";

/** One acquisition of the leadership lease, as the lease document's history keeps it. */
export interface LeaderTenure {
  epoch: number;
  holder: string;
  at: number;
}

export interface LeaderStampCheck {
  violations: string[];
  figures: {
    stampedEvents: number;
    /** Epochs that wrote at least one event, in order. */
    epochsThatWrote: number[];
    /** Events decided by an epoch after the next epoch had been acquired: a deposed leader wrote. */
    lateWrites: number;
  };
}

/**
 * "At most one leader writes at a time", judged on what the store holds: every job event a
 * leader writes carries its epoch (coordinator/leadership/leader-stamp.ts), and the lease document
 * keeps when each epoch was acquired. An event of epoch E must have been decided at or after E was
 * acquired and before E + 1 was (a deposed leader that did not check its lease would write after);
 * no event is without an epoch (only the leader writes jobs); and along one job's timeline epochs
 * never go down (a late write of an older leader would). Event times and acquisition times are
 * read from the same machine's clock in a live run.
 */
export function checkLeaderStamps(jobs: readonly { id: string; events: readonly JobEvent[] }[], tenures: readonly LeaderTenure[]): LeaderStampCheck {
  const violations: string[] = [];
  const byEpoch = new Map(tenures.map((t) => [t.epoch, t]));
  const wrote = new Set<number>();
  let stamped = 0;
  let late = 0;
  for (const job of jobs) {
    let previous: number | undefined;
    for (const event of [...job.events].sort((a, b) => a.seq - b.seq)) {
      const epoch = leaderEpochOf(event);
      if (epoch === undefined) {
        violations.push(`[leadership] job ${job.id} event ${event.seq} (${event.type}) carries no leader epoch: something other than the leader wrote it`);
        continue;
      }
      stamped++;
      wrote.add(epoch);
      const tenure = byEpoch.get(epoch);
      if (tenure === undefined) {
        violations.push(`[leadership] job ${job.id} event ${event.seq} (${event.type}) names leader epoch ${epoch}, which the lease never granted`);
      } else if (event.at < tenure.at) {
        violations.push(`[leadership] job ${job.id} event ${event.seq} (${event.type}) of epoch ${epoch} was decided at ${event.at}, before the epoch began at ${tenure.at}`);
      }
      const next = byEpoch.get(epoch + 1);
      if (next !== undefined && event.at >= next.at) {
        late++;
        violations.push(`[leadership] job ${job.id} event ${event.seq} (${event.type}) was written by deposed leader epoch ${epoch} at ${event.at}, after epoch ${epoch + 1} began at ${next.at}`);
      }
      if (previous !== undefined && epoch < previous) {
        violations.push(`[leadership] job ${job.id} event ${event.seq} (${event.type}) carries leader epoch ${epoch} after an event of epoch ${previous}: a late write of an older leader`);
      }
      previous = epoch;
    }
  }
  return { violations, figures: { stampedEvents: stamped, epochsThatWrote: [...wrote].sort((a, b) => a - b), lateWrites: late } };
}
