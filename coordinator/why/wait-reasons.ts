import { type DepsMode, isoTime, isTerminal, RUNNING_STAGES, type Stage, type WhyReason } from "../../contracts/index.js";
import { depSatisfied } from "../jobs/dependency-graph.js";
import { missingCapabilities, type ScorablePool } from "../scorer/index.js";

/** Everything the decision needs, gathered by the coordinator from memory (and the store for
 * dependencies no longer active). Plain data: the decision reads no clock and does no I/O. */
export interface WaitFacts {
  now: number;
  job: {
    stage: Stage;
    stageReason?: string;
    capabilities: readonly string[];
    depsMode: DepsMode;
    retries: number;
    retryMax: number;
    notBefore?: number;
    updatedAt: number;
    lease?: { pool: string; factoryId?: string; assignedAt: number; acceptBy: number; acceptedAt?: number; expiresAt?: number };
    deadLetter?: { reason: string; source: string };
    /** The open review round, when the job awaits its reviewers. */
    review?: { round: number; counted: number; needed: number; roles: readonly string[] };
  };
  /** Each dependency with its key and stage; `stage` undefined: it no longer exists. */
  deps: readonly { id: string; key?: string; stage?: Stage }[];
  /** Every pool of the topology as the scheduler sees it now. */
  pools: readonly ScorablePool[];
  /** Ready jobs that rank ahead of this one for the pools it can use (see rankAhead). */
  ahead: number;
}

/**
 * Why the job is where it is, from the same rules the scheduler applies: dependencies satisfied
 * per deps mode (depSatisfied), the capability filter (missingCapabilities), pools that are paused
 * or down, capacity windows (inFlight < capacity, as canTakeWork), retry backoff (notBefore), and
 * rank among the ready jobs. The first reason is the one that holds the job back; later ones add
 * what else would (a pool paused as well as another one full, say).
 */
export function waitReasons(facts: WaitFacts): WhyReason[] {
  const { job } = facts;
  if (isTerminal(job.stage)) {
    const reason = job.deadLetter?.reason ?? job.stageReason;
    return [
      reasonOf("finished", `finished: ${job.stage}${reason === undefined ? "" : ` (${reason})`}`, {
        stage: job.stage,
        reason: reason ?? null,
        ...(job.deadLetter === undefined ? {} : { deadLetterSource: job.deadLetter.source }),
        at: isoTime(job.updatedAt),
      }),
    ];
  }
  if (RUNNING_STAGES.has(job.stage) && job.lease !== undefined) {
    const since = job.lease.acceptedAt ?? job.lease.assignedAt;
    return [
      reasonOf("running", `running (${job.stage}) on pool ${job.lease.pool}${job.lease.factoryId === undefined ? "" : `, factory ${job.lease.factoryId}`}, since ${isoTime(since)}`, {
        stage: job.stage,
        pool: job.lease.pool,
        factoryId: job.lease.factoryId ?? null,
        since: isoTime(since),
        leaseExpiresAt: job.lease.expiresAt === undefined ? null : isoTime(job.lease.expiresAt),
      }),
    ];
  }
  if (job.stage === "review" && job.lease === undefined && job.review !== undefined) {
    const { round, counted, needed, roles } = job.review;
    return [
      reasonOf("awaiting_review", `waiting for its reviewers: ${counted} of ${needed} approvals${roles.length === 0 ? "" : ` from ${roles.join(" or ")}`} (round ${round}); approve, request changes or reject with POST /fleet/jobs/:id/review`, {
        round,
        approvals: counted,
        needed,
        roles: [...roles],
      }),
    ];
  }
  if (job.stage === "testing" && job.lease === undefined) {
    const reason = job.stageReason ?? "passed; waiting for a person to ship it (autoship is off)";
    return [reasonOf("awaiting_ship", `${reason}: ship it (POST /fleet/jobs/:id/actions/ship) or ask for a review`, { reason })];
  }
  if (job.stage === "assigned" && job.lease !== undefined) {
    return [
      reasonOf(
        "awaiting_accept",
        `assigned to pool ${job.lease.pool} at ${isoTime(job.lease.assignedAt)}, waiting for a factory to accept it (until ${isoTime(job.lease.acceptBy)}, then it is requeued)`,
        { pool: job.lease.pool, since: isoTime(job.lease.assignedAt), acceptBy: isoTime(job.lease.acceptBy) },
      ),
    ];
  }
  if (job.stage === "blocked") {
    const unmet = facts.deps.filter((dep) => dep.stage === undefined || !depSatisfied(job.depsMode, dep.stage));
    if (unmet.length > 0) {
      const needed = job.depsMode === "hard" ? "shipped" : "testing or shipped";
      const list = unmet.map((dep) => `${dep.key ?? dep.id} (${dep.stage ?? "missing"})`).join(", ");
      return [
        reasonOf("deps_unmet", `waiting for ${unmet.length} of ${facts.deps.length} dependencies to reach ${needed}: ${list}`, {
          depsMode: job.depsMode,
          needs: needed,
          unmet: unmet.map((dep) => ({ id: dep.id, key: dep.key ?? null, stage: dep.stage ?? null })),
          total: facts.deps.length,
        }),
      ];
    }
    return [reasonOf("next_pass", "every dependency is met; it becomes ready on the next scheduling pass", { depsMode: job.depsMode })];
  }
  return queuedReasons(facts);
}

function queuedReasons(facts: WaitFacts): WhyReason[] {
  const { job, now } = facts;
  const reasons: WhyReason[] = [];
  if (job.notBefore !== undefined && job.notBefore > now) {
    reasons.push(
      reasonOf("retry_backoff", `backing off until ${isoTime(job.notBefore)} (${job.retries} of ${job.retryMax} retries used)${job.stageReason === undefined ? "" : `: ${job.stageReason}`}`, {
        until: isoTime(job.notBefore),
        retries: job.retries,
        retryMax: job.retryMax,
        reason: job.stageReason ?? null,
      }),
    );
  }
  const capable = facts.pools.filter((pool) => missingCapabilities(job.capabilities, pool).length === 0);
  if (capable.length === 0) {
    const missing = facts.pools.map((pool) => ({ pool: pool.name, missing: missingCapabilities(job.capabilities, pool) }));
    reasons.push(
      reasonOf("no_capable_pool", `no pool offers every capability it needs (${job.capabilities.join(", ")}): ${missing.map((m) => `${m.pool} lacks ${m.missing.join(", ")}`).join("; ")}`, {
        needs: [...job.capabilities],
        pools: missing,
      }),
    );
    return reasons;
  }
  const down = capable.filter((pool) => pool.health === "down");
  const paused = capable.filter((pool) => pool.paused && pool.health !== "down");
  const open = capable.filter((pool) => !pool.paused && pool.health !== "down");
  if (open.length === 0 && down.length > 0 && paused.length === 0) {
    reasons.push(reasonOf("pool_down", `every pool that can run it is down (${names(down)})`, { pools: down.map((pool) => pool.name) }));
  } else if (open.length === 0) {
    reasons.push(
      reasonOf("pool_paused", `every pool that can run it is paused${down.length > 0 ? " or down" : ""} (${names([...paused, ...down])})`, {
        paused: paused.map((pool) => pool.name),
        down: down.map((pool) => pool.name),
      }),
    );
  }
  if (open.length === 0) return reasons;
  const windows = open.map((pool) => ({ pool: pool.name, inFlight: pool.inFlight, capacity: pool.capacity }));
  const free = open.reduce((sum, pool) => sum + Math.max(0, pool.capacity - pool.inFlight), 0);
  const aheadText = facts.ahead === 0 ? "it is next" : `${facts.ahead} ready ${facts.ahead === 1 ? "job ranks" : "jobs rank"} ahead of it`;
  const others = [...paused.map((pool) => `${pool.name} paused`), ...down.map((pool) => `${pool.name} down`)];
  const aside = others.length === 0 ? {} : { unavailable: others };
  if (free === 0) {
    reasons.push(
      reasonOf("capacity_window", `every pool that can run it is at its capacity window (${windows.map((w) => `${w.pool} ${w.inFlight} of ${w.capacity}`).join(", ")}); ${aheadText}`, {
        pools: windows,
        ahead: facts.ahead,
        position: facts.ahead + 1,
        ...aside,
      }),
    );
  } else if (facts.ahead >= free) {
    reasons.push(
      reasonOf("behind_higher_priority", `${facts.ahead} ready ${facts.ahead === 1 ? "job ranks" : "jobs rank"} ahead of it for ${free} free ${free === 1 ? "seat" : "seats"} (${windows.map((w) => `${w.pool} ${w.inFlight} of ${w.capacity}`).join(", ")})`, {
        ahead: facts.ahead,
        position: facts.ahead + 1,
        freeSeats: free,
        pools: windows,
        ...aside,
      }),
    );
  } else if (reasons.length === 0) {
    const roomy = windows.filter((w) => w.inFlight < w.capacity).map((w) => w.pool);
    reasons.push(reasonOf("next_pass", `ready: ${roomy.join(", ")} ${roomy.length === 1 ? "has" : "have"} room; it is assigned on the next scheduling pass`, { pools: windows, ahead: facts.ahead }));
  }
  return reasons;
}

function reasonOf(code: string, message: string, facts: Record<string, unknown>): WhyReason {
  return { code, message, facts };
}

function names(pools: readonly ScorablePool[]): string {
  return pools.map((pool) => pool.name).join(", ");
}
