import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Candidate, decideLeadership, holdsAt, type LeaderLease, type LeadershipInput, leaseTimingOf, type Observation, type PendingWrite, type StoredLease, type Tenure, validUntil } from "./leader-lease.js";

const timing = leaseTimingOf(3000);
const A: Candidate = { id: "a", address: "http://a:8080" };
const B: Candidate = { id: "b", address: "http://b:8080" };

function input(partial: Partial<LeadershipInput> & Pick<LeadershipInput, "now" | "me">): LeadershipInput {
  return { timing, stored: undefined, observed: undefined, tenure: undefined, pending: undefined, ...partial };
}

function leaseOf(holder: Candidate, epoch: number, at: number): LeaderLease {
  return { epoch, holder: holder.id, address: holder.address, acquiredAt: at, renewedAt: at, leaseMs: timing.leaseMs, history: [{ epoch, holder: holder.id, at }] };
}

describe("leadership lease rules", () => {
  it("derives the renewal and the margin from the lease length, renewal well inside the lease", () => {
    expect(timing).toEqual({ leaseMs: 3000, renewEveryMs: 1000, marginMs: 300 });
    expect(timing.renewEveryMs).toBeLessThan(timing.leaseMs - timing.marginMs);
    expect(() => leaseTimingOf(100)).toThrow(/at least 300 ms/);
  });

  it("creates the lease with epoch 1 when there is none", () => {
    const decision = decideLeadership(input({ now: 1000, me: A }));
    expect(decision).toMatchObject({ kind: "acquire", ifMatch: undefined, lease: { epoch: 1, holder: "a", address: A.address, acquiredAt: 1000, history: [{ epoch: 1, holder: "a", at: 1000 }] } });
  });

  it("holds between renewals, renews when due, and renews after a lapse while the version is still its own", () => {
    const stored: StoredLease = { lease: leaseOf(A, 4, 1000), version: "v1" };
    const tenure: Tenure = { epoch: 4, version: "v1", sentAt: 1000, acquiredAt: 1000 };
    expect(decideLeadership(input({ now: 1500, me: A, stored, tenure })).kind).toBe("hold");
    const due = decideLeadership(input({ now: 2000, me: A, stored, tenure }));
    expect(due).toMatchObject({ kind: "renew", ifMatch: "v1", lease: { epoch: 4, renewedAt: 2000 } });
    // Paused for ten seconds: its validity lapsed, nobody took over; renewing is safe (compare-and-swap).
    expect(holdsAt(tenure, timing, 11_000)).toBe(false);
    expect(decideLeadership(input({ now: 11_000, me: A, stored, tenure }))).toMatchObject({ kind: "renew", ifMatch: "v1" });
  });

  it("recognises its own write whose answer was lost, and stays valid only from when it sent it", () => {
    const stored: StoredLease = { lease: leaseOf(A, 1, 1000), version: "v1" };
    const pending: PendingWrite = { epoch: 1, sentAt: 990 };
    const decision = decideLeadership(input({ now: 1100, me: A, stored, pending }));
    expect(decision).toEqual({ kind: "hold", tenure: { epoch: 1, version: "v1", sentAt: 990, acquiredAt: 1000 } });
  });

  it("steps down when the store names another holder", () => {
    const stored: StoredLease = { lease: leaseOf(B, 5, 9000), version: "v9" };
    const tenure: Tenure = { epoch: 4, version: "v1", sentAt: 1000, acquiredAt: 1000 };
    const decision = decideLeadership(input({ now: 9500, me: A, stored, tenure }));
    expect(decision).toMatchObject({ kind: "step-down", leader: { holder: "b", epoch: 5 } });
    expect(decision.kind === "step-down" && decision.reason).toMatch(/replica b leads since epoch 5 \(this replica held epoch 4\)/);
  });

  it("follows, and takes over with epoch + 1 only after the version stayed the same for the lease and the margin on its own clock", () => {
    const stored: StoredLease = { lease: { ...leaseOf(B, 7, 0), history: [] }, version: "v7" };
    // The holder's timestamps mean nothing on this clock: it counts from its first sight.
    const first = decideLeadership(input({ now: 50_000, me: A, stored }));
    expect(first).toMatchObject({ kind: "follow", observed: { version: "v7", since: 50_000 }, takeoverAt: 53_300 });
    const observed: Observation = { version: "v7", since: 50_000 };
    expect(decideLeadership(input({ now: 53_299, me: A, stored, observed })).kind).toBe("follow");
    expect(decideLeadership(input({ now: 53_300, me: A, stored, observed }))).toMatchObject({ kind: "acquire", ifMatch: "v7", lease: { epoch: 8, holder: "a", history: [{ epoch: 8, holder: "a", at: 53_300 }] } });
    // A renewal seen meanwhile starts the wait again.
    const renewed: StoredLease = { ...stored, version: "v8" };
    expect(decideLeadership(input({ now: 53_300, me: A, stored: renewed, observed }))).toMatchObject({ kind: "follow", takeoverAt: 56_600 });
  });

  it("waits the longer of its own lease and the holder's", () => {
    const stored: StoredLease = { lease: { ...leaseOf(B, 2, 0), leaseMs: 10_000 }, version: "v2" };
    expect(decideLeadership(input({ now: 0, me: A, stored }))).toMatchObject({ kind: "follow", takeoverAt: 10_300 });
  });

  it("never lets two replicas write as leader at the same real instant (clock rates within 5%, any schedule, pauses included)", () => {
    interface Replica {
      me: Candidate;
      rate: number;
      offset: number;
      tenure?: Tenure;
      observed?: Observation;
      /** Real-time windows in which it held, per epoch. */
      windows: { epoch: number; from: number; to: number }[];
    }
    const step = fc.record({ who: fc.integer({ min: 0, max: 2 }), gap: fc.integer({ min: 0, max: 4000 }) });
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.95, max: 1.05, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.array(step, { minLength: 10, maxLength: 200 }), (rates, steps) => {
        const replicas: Replica[] = rates.map((rate, i) => ({ me: { id: `r${i}`, address: `http://r${i}` }, rate, offset: i * 1_000_000, windows: [] }));
        let store: StoredLease | undefined;
        let versions = 0;
        let real = 0;
        const clockOf = (r: Replica, t: number) => Math.floor(r.offset + t * r.rate);
        const realOf = (r: Replica, local: number) => (local - r.offset) / r.rate;
        for (const { who, gap } of steps) {
          real += gap;
          const r = replicas[who]!;
          const now = clockOf(r, real);
          const decision = decideLeadership({ now, me: r.me, timing, stored: store, observed: r.observed, tenure: r.tenure, pending: undefined });
          if (decision.kind === "follow") r.observed = decision.observed;
          if (decision.kind === "step-down") r.tenure = undefined;
          if (decision.kind === "acquire" || decision.kind === "renew") {
            if (decision.ifMatch !== (store?.version ?? undefined)) continue;
            store = { lease: decision.lease, version: `v${++versions}` };
            r.tenure = { epoch: decision.lease.epoch, version: store.version, sentAt: now, acquiredAt: decision.lease.acquiredAt };
            r.windows.push({ epoch: decision.lease.epoch, from: real, to: realOf(r, validUntil(r.tenure, timing)) });
          }
        }
        const windows = replicas.flatMap((r) => r.windows).sort((a, b) => a.epoch - b.epoch || a.from - b.from);
        for (const earlier of windows) {
          for (const later of windows) {
            if (later.epoch <= earlier.epoch) continue;
            // A newer epoch is acquired only after every window of an older one has closed.
            expect(later.from).toBeGreaterThanOrEqual(earlier.to);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
