import type { JobDoc } from "../../contracts/index.js";
import { LEADER_LEASE_ID, LeaderLease } from "../../coordinator/leadership/leader-lease.js";
import { leaderEpochOf } from "../../coordinator/leadership/leader-stamp.js";
import { AppliedWritesStore, type AppliedWriteObserver } from "../history/applied-writes-store.js";
import type { History } from "../history/history.js";
import { JobCommits } from "../history/job-commits.js";
import type { Collection, DocOf, StorePort } from "../../store/port.js";

/** One job write the store applied, with the lease as the store held it at that instant. */
export interface LeaderWrite {
  at: number;
  jobId: string;
  /** The leader epochs stamped on the events this write appended (empty: it appended none). */
  stamped: (number | undefined)[];
  lease: { epoch: number; holder: string; renewedAt: number; leaseMs: number } | undefined;
}

/**
 * The shared store of the replicas, as the checkers see it: every job write the store APPLIED
 * becomes a commit in the history (stage before and after, epoch, lease, appended events), and a
 * LeaderWrite that pairs it with the leadership lease the store held at that very instant, so "at
 * most one leader writes at a time" is judged at the store, not by what any replica believed.
 */
export class LeaderRecordingStore extends AppliedWritesStore {
  private readonly leaderWrites: LeaderWrites;

  constructor(inner: StorePort, history: History, now: () => number) {
    const writes = new LeaderWrites(history, now);
    super(inner, writes);
    this.leaderWrites = writes;
  }

  get writes(): readonly LeaderWrite[] {
    return this.leaderWrites.writes;
  }
}

class LeaderWrites implements AppliedWriteObserver {
  readonly writes: LeaderWrite[] = [];
  private readonly jobs: JobCommits;
  private lease: LeaderWrite["lease"];

  constructor(
    history: History,
    private readonly now: () => number,
  ) {
    this.jobs = new JobCommits(history);
  }

  applied(collection: Collection, doc: DocOf<Collection>): void {
    if (collection === "checkpoints" && doc.id === LEADER_LEASE_ID) {
      const parsed = LeaderLease.safeParse((doc as DocOf<"checkpoints">).data);
      if (parsed.success) this.lease = { epoch: parsed.data.epoch, holder: parsed.data.holder, renewedAt: parsed.data.renewedAt, leaseMs: parsed.data.leaseMs };
      return;
    }
    if (collection !== "jobs") return;
    const job = doc as JobDoc;
    const appended = this.jobs.record(job);
    this.writes.push({ at: this.now(), jobId: job.id, stamped: appended.map(leaderEpochOf), lease: this.lease === undefined ? undefined : { ...this.lease } });
  }
}

/**
 * At most one leader writes at a time, judged at the store: every job write that appends events
 * carries, on each of them, the epoch of the lease the store held at that instant, and lands while
 * that lease was current (before its holder's last renewal plus the lease). A write stamped with an
 * older epoch is a deposed leader's; one after the lease ran out was made without checking it.
 */
export function checkLeaderWrites(writes: readonly LeaderWrite[]): string[] {
  const violations: string[] = [];
  for (const write of writes) {
    if (write.stamped.length === 0) continue;
    const lease = write.lease;
    for (const epoch of write.stamped) {
      if (epoch === undefined) violations.push(`a write of job ${write.jobId} at ${write.at} appended an event without a leader epoch`);
      else if (lease === undefined) violations.push(`job ${write.jobId} was written at ${write.at} under epoch ${epoch} before any lease existed`);
      else if (epoch !== lease.epoch) violations.push(`job ${write.jobId} was written at ${write.at} by leader epoch ${epoch} while the store's lease was epoch ${lease.epoch} (${lease.holder}): two leaders wrote`);
      else if (write.at >= lease.renewedAt + lease.leaseMs) violations.push(`job ${write.jobId} was written at ${write.at} by epoch ${epoch} after its lease ran out at ${lease.renewedAt + lease.leaseMs}`);
    }
  }
  return violations;
}
