import { hostname, networkInterfaces } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { formatZodIssues } from "../../contracts/validation-message.js";
import type { Topology } from "../../contracts/index.js";
import { type LeaseTiming, leaseTimingOf } from "../../coordinator/leadership/leader-lease.js";
import { UsageError } from "../entry-point.js";

/** The environment of a coordinator that runs as one of several replicas (validated at start). */
export const LeadershipEnv = z.object({
  /** on: elect one leader among the replicas through a lease document in the store. */
  LEADER_ELECTION: z.enum(["on", "off"]).default("off"),
  LEADER_LEASE_MS: z.coerce.number().int().min(300).max(300_000).default(15_000),
  /** Where the other replicas reach this one (its HTTP front): http://<address>:<port>. */
  ADVERTISE_URL: z.string().url().optional(),
});

export const LEADERSHIP_ENVIRONMENT: readonly (readonly [string, string, string])[] = [
  ["LEADER_ELECTION", "off", "on: several replicas share one store and namespace; one leader (a lease document in the store) schedules, relays and reaps, the others forward to it"],
  ["LEADER_LEASE_MS", "15000", "the leadership lease: renewed every third of it; a follower takes over once it has not moved for the lease plus a tenth"],
  ["ADVERTISE_URL", "http://<first non-loopback IPv4>:PORT", "where the other replicas forward requests to this one when it leads"],
];

export interface LeadershipConfig {
  enabled: boolean;
  timing: LeaseTiming;
  /** This process's candidate id: new at every start, so a restarted process is a new candidate. */
  replicaId: string;
  advertiseUrl: string;
  /** The host other replicas reach this one's external scaler on (the advertised URL's host). */
  advertiseHost: string;
}

export function compileLeadershipConfig(env: NodeJS.ProcessEnv, listen: { host: string; port: number }): LeadershipConfig {
  const parsed = LeadershipEnv.safeParse(env);
  if (!parsed.success) throw new UsageError(`invalid configuration: ${formatZodIssues(parsed.error.issues)}`);
  const e = parsed.data;
  const host = listen.host === "0.0.0.0" || listen.host === "::" ? firstExternalAddress() : listen.host;
  const advertiseUrl = (e.ADVERTISE_URL ?? `http://${host}:${listen.port}`).replace(/\/$/, "");
  if (e.LEADER_ELECTION === "on" && listen.port === 0 && e.ADVERTISE_URL === undefined) {
    throw new UsageError("invalid configuration: with LEADER_ELECTION=on give PORT a fixed port, or set ADVERTISE_URL, so the other replicas can reach this one");
  }
  return {
    enabled: e.LEADER_ELECTION === "on",
    timing: leaseTimingOf(e.LEADER_LEASE_MS),
    replicaId: `${hostname().replace(/[^A-Za-z0-9-]/g, "").slice(0, 40) || "host"}-${process.pid}-${randomBytes(3).toString("hex")}`,
    advertiseUrl,
    advertiseHost: new URL(advertiseUrl).hostname,
  };
}

function firstExternalAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return "127.0.0.1";
}

/**
 * A takeover takes up to the lease, its margin and a renewal period after the leader's last
 * renewal; meanwhile no renewal of a running job lands. So every pool's lease must outlast a
 * takeover with room for the agent's next renewal: the leadership lease at most a third of the
 * shortest pool lease. Otherwise every leader change would cost the running jobs their leases.
 */
export function assertLeaseFitsPools(timing: LeaseTiming, topology: Topology): void {
  const shortest = topology.pools.reduce<{ name: string; ms: number } | undefined>((min, pool) => (min === undefined || pool.leaseSeconds * 1000 < min.ms ? { name: pool.name, ms: pool.leaseSeconds * 1000 } : min), undefined);
  if (shortest === undefined || timing.leaseMs * 3 <= shortest.ms) return;
  throw new UsageError(
    `invalid configuration: LEADER_LEASE_MS=${timing.leaseMs} is too long for pool '${shortest.name}', whose lease is ${shortest.ms / 1000} s: a takeover can take ${timing.leaseMs + timing.marginMs + timing.renewEveryMs} ms, during which its running jobs could not renew; set LEADER_LEASE_MS to at most ${Math.floor(shortest.ms / 3)}, or lengthen the pool's leaseSeconds`,
  );
}
