import { z } from "zod";

/**
 * The leadership lease: one document in the store (container `checkpoints`, id LEADER_LEASE_ID)
 * that says which coordinator replica leads. Only the leader schedules, relays, reaps, runs the
 * dead-letter monitor and the recurring schedules, and writes jobs; the others forward to it.
 *
 * Every change of the document is a compare-and-swap on its etag (the store's If-Match), so two
 * replicas can never both believe they won the same version. `epoch` goes up by one with every
 * acquisition and never down: it is stamped on every job event the leader writes, so a write by a
 * deposed leader is recognisable at the store.
 */
export const LEADER_LEASE_ID = "leader.coordinator";

/** How many acquisitions the document remembers (for operators and the chaos checker). */
export const LEADER_HISTORY_LENGTH = 20;

export const LeaderLease = z
  .object({
    epoch: z.number().int().positive(),
    /** The holder's instance id: fresh for every process, so a restarted process is a new candidate. */
    holder: z.string().min(1).max(200),
    /** Where the other replicas forward requests (the holder's HTTP front). */
    address: z.string().min(1).max(500),
    /** host:port of the holder's KEDA external scaler (gRPC), when it serves one. */
    scalerAddress: z.string().min(1).max(300).optional(),
    acquiredAt: z.number().int().nonnegative(),
    /** When the holder last wrote the lease, on the holder's clock. */
    renewedAt: z.number().int().nonnegative(),
    /** How long a follower waits, on its own clock, after it last saw the document change. */
    leaseMs: z.number().int().positive(),
    /** Recent acquisitions, oldest first. */
    history: z.array(z.object({ epoch: z.number().int().positive(), holder: z.string(), at: z.number().int().nonnegative() }).strict()).max(LEADER_HISTORY_LENGTH),
  })
  .strict();
export type LeaderLease = z.infer<typeof LeaderLease>;

/** The lease as read from the store, with its etag. */
export interface StoredLease {
  lease: LeaderLease;
  version: string;
}

/**
 * Timing of the lease, all derived from its length:
 * - the holder renews every `renewEveryMs` (a third of the lease), well inside its expiry;
 * - the holder stops writing at `sentAt + leaseMs - marginMs` of its last successful write
 *   (measured from when it SENT that write, on its own clock);
 * - a follower takes over only once the document has not changed for `leaseMs + marginMs` on its
 *   own clock, counted from when it FIRST SAW the current version.
 * The follower's first sight of a version comes after the holder sent it, so the follower's
 * takeover comes at least 2 x marginMs after the holder stopped writing; the margin absorbs clock
 * rate drift between the two machines (not offset: no timestamp crosses between them).
 */
export interface LeaseTiming {
  leaseMs: number;
  renewEveryMs: number;
  marginMs: number;
}

export function leaseTimingOf(leaseMs: number): LeaseTiming {
  if (!Number.isInteger(leaseMs) || leaseMs < 300) throw new Error(`a leadership lease must be a whole number of at least 300 ms, not ${leaseMs}`);
  return { leaseMs, renewEveryMs: Math.floor(leaseMs / 3), marginMs: Math.max(50, Math.floor(leaseMs / 10)) };
}

/** This replica, as it advertises itself. */
export interface Candidate {
  id: string;
  address: string;
  scalerAddress?: string;
}

/** What this replica knows about its own leadership: the last write of the lease it knows landed. */
export interface Tenure {
  epoch: number;
  version: string;
  /** When it sent that write (its clock). */
  sentAt: number;
  acquiredAt: number;
}

/** A write of the lease whose outcome this replica does not know (a timeout, a cut connection). */
export interface PendingWrite {
  epoch: number;
  sentAt: number;
}

/** When this replica first saw the stored version it is waiting on (its clock). */
export interface Observation {
  version: string;
  since: number;
}

export interface LeadershipInput {
  now: number;
  me: Candidate;
  timing: LeaseTiming;
  /** Undefined: there is no lease document yet. */
  stored: StoredLease | undefined;
  observed: Observation | undefined;
  tenure: Tenure | undefined;
  pending: PendingWrite | undefined;
}

export type LeadershipDecision =
  /** Write the lease as `lease` (create it when `ifMatch` is undefined): a new epoch, mine. */
  | { kind: "acquire"; lease: LeaderLease; ifMatch: string | undefined }
  /** Write the lease again, same epoch: still mine. `tenure` is what the last write that landed says. */
  | { kind: "renew"; lease: LeaderLease; ifMatch: string; tenure: Tenure }
  /** I lead and my last write is fresh: nothing to do. */
  | { kind: "hold"; tenure: Tenure }
  /** Someone else leads (or may still): wait; take over at `takeoverAt` if nothing changes. */
  | { kind: "follow"; leader: LeaderLease; observed: Observation; takeoverAt: number }
  /** I led, and the store says someone else does now: stop leading at once. */
  | { kind: "step-down"; reason: string; leader: LeaderLease };

/** The instant after which the holder of `tenure` must not write anything a leader writes. */
export function validUntil(tenure: Pick<Tenure, "sentAt">, timing: LeaseTiming): number {
  return tenure.sentAt + timing.leaseMs - timing.marginMs;
}

/** Whether the holder of `tenure` may still write as the leader at `now`. */
export function holdsAt(tenure: Pick<Tenure, "sentAt"> | undefined, timing: LeaseTiming, now: number): boolean {
  return tenure !== undefined && now < validUntil(tenure, timing);
}

/**
 * One step of the election, decided from what this replica read and remembers; no I/O, no clock.
 * The caller performs the write the decision names (a compare-and-swap on `ifMatch`) and calls
 * again after it succeeded, failed, or had an unknown outcome.
 *
 * - No document: create it with epoch 1 (a create that races loses with already_exists).
 * - The stored version is the one I last wrote (or my own write whose answer was lost): renew when
 *   due, even after my validity lapsed (a pause, a store outage): while it lapsed I wrote nothing,
 *   and if someone took over meanwhile the version moved and my compare-and-swap fails.
 * - Someone else's lease: if I thought I led, step down. Otherwise follow, and take over with
 *   epoch + 1 once the version I see has stayed the same for leaseMs + marginMs of MY clock since
 *   I first saw it (the holder's timestamps are never compared with my clock).
 */
export function decideLeadership(input: LeadershipInput): LeadershipDecision {
  const { now, me, timing, stored, tenure, pending } = input;
  if (stored === undefined) return { kind: "acquire", lease: acquired(undefined, me, now, timing), ifMatch: undefined };
  const lease = stored.lease;
  if (lease.holder === me.id) {
    const mine = ownTenure(stored, tenure, pending);
    if (mine !== undefined) {
      const due = now >= mine.sentAt + timing.renewEveryMs || !holdsAt(mine, timing, now);
      return due ? { kind: "renew", lease: { ...lease, address: me.address, ...scalerOf(me), renewedAt: now, leaseMs: timing.leaseMs }, ifMatch: stored.version, tenure: mine } : { kind: "hold", tenure: mine };
    }
    // My id with an epoch I never wrote: a document I cannot account for. Treat it as another's.
  }
  if (tenure !== undefined) {
    return { kind: "step-down", reason: `replica ${lease.holder} leads since epoch ${lease.epoch} (this replica held epoch ${tenure.epoch})`, leader: lease };
  }
  const observed = input.observed?.version === stored.version ? input.observed : { version: stored.version, since: now };
  const takeoverAt = observed.since + Math.max(lease.leaseMs, timing.leaseMs) + timing.marginMs;
  if (now >= takeoverAt) return { kind: "acquire", lease: acquired(lease, me, now, timing), ifMatch: stored.version };
  return { kind: "follow", leader: lease, observed, takeoverAt };
}

/** My tenure as the stored document proves it: my last landed write, or a write whose answer was
 * lost but which the document shows landed (same epoch; its send time bounds my validity). */
function ownTenure(stored: StoredLease, tenure: Tenure | undefined, pending: PendingWrite | undefined): Tenure | undefined {
  const lease = stored.lease;
  if (tenure !== undefined && tenure.epoch === lease.epoch) {
    if (tenure.version === stored.version) return tenure;
    // A renewal that landed although its answer never came: valid from when the earlier one was sent.
    return { ...tenure, version: stored.version };
  }
  if (pending !== undefined && pending.epoch === lease.epoch) return { epoch: lease.epoch, version: stored.version, sentAt: pending.sentAt, acquiredAt: lease.acquiredAt };
  return undefined;
}

function acquired(previous: LeaderLease | undefined, me: Candidate, now: number, timing: LeaseTiming): LeaderLease {
  const epoch = (previous?.epoch ?? 0) + 1;
  const history = [...(previous?.history ?? []), { epoch, holder: me.id, at: now }].slice(-LEADER_HISTORY_LENGTH);
  return { epoch, holder: me.id, address: me.address, ...scalerOf(me), acquiredAt: now, renewedAt: now, leaseMs: timing.leaseMs, history };
}

function scalerOf(me: Candidate): { scalerAddress?: string } {
  return me.scalerAddress === undefined ? {} : { scalerAddress: me.scalerAddress };
}
