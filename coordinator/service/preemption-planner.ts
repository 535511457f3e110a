import type { JobDoc, Topology } from "../../contracts/index.js";
import { requestPreemption } from "../lifecycle/request-preemption.js";
import { canTakeWork, type PoolRegistry, type PoolRuntime, toScorable } from "../pools/pool-registry.js";
import type { ReadyIndex } from "../scheduler/ready-index.js";
import { toScorableJob } from "../scheduler/scheduler.js";
import { chooseVictim, type PreemptionCandidate, type ScoreWeights } from "../scorer/index.js";

export interface PreemptionPlannerOptions {
  ready: ReadyIndex;
  pools: PoolRegistry;
  cached: (id: string) => JobDoc | undefined;
  commit: (id: string, decide: (job: JobDoc) => JobDoc) => Promise<JobDoc>;
  productOpen: (productId: string) => boolean;
  weightsFor: (productId: string) => ScoreWeights;
  starvationAfterMs: number;
  preemption: Topology["preemption"];
}

/**
 * Makes room for critical work (after the scheduler has placed what fits): for every bucket of
 * ready critical jobs whose capable pools are all full, asks as many victims to make room as
 * there are such jobs not already covered by a pending request on those pools. The victim rule
 * is the scorer's pure `chooseVictim`; the request is one conditional write on the victim
 * (lifecycle/request-preemption.ts), and its holder hears of it at its next renewal.
 */
export class PreemptionPlanner {
  constructor(private readonly options: PreemptionPlannerOptions) {}

  async plan(now: number): Promise<number> {
    const { ready, pools, preemption } = this.options;
    if (!preemption.enabled) return 0;
    let requested = 0;
    for (const { bucket, id } of ready.heads()) {
      if (bucket.priority !== "critical" || !this.options.productOpen(bucket.productId)) continue;
      const capable = pools.capableOf(bucket.capabilityKey, bucket.capabilities).filter((pool) => !pool.paused && pool.health !== "down");
      if (capable.length === 0 || capable.some(canTakeWork)) continue;
      const preemptor = this.options.cached(id);
      if (preemptor === undefined || preemptor.stage !== "queued") continue;
      let need = bucket.live - capable.reduce((sum, pool) => sum + pool.preempting.size, 0);
      while (need > 0) {
        const choice = chooseVictim(toScorableJob(preemptor), this.candidates(capable), {
          now,
          weightsFor: this.options.weightsFor,
          starvationAfterMs: this.options.starvationAfterMs,
          maxPerJob: preemption.maxPerJob,
        });
        if (choice === undefined) break;
        const victim = await this.options.commit(choice.victim.job.id, (job) =>
          job.preemption === undefined && job.lease?.factoryId !== undefined && job.leaseEpoch === this.options.cached(job.id)?.leaseEpoch
            ? requestPreemption(job, { by: preemptor.id, pool: choice.victim.pool.name }, now)
            : job,
        );
        if (victim.preemption === undefined) break;
        requested++;
        need--;
      }
    }
    return requested;
  }

  private candidates(capable: readonly PoolRuntime[]): PreemptionCandidate[] {
    const candidates: PreemptionCandidate[] = [];
    for (const pool of capable) {
      const scorable = toScorable(pool);
      for (const jobId of pool.running) {
        const job = this.options.cached(jobId);
        if (job?.lease?.acceptedAt === undefined) continue;
        candidates.push({
          job: toScorableJob(job),
          pool: scorable,
          startedAt: job.lease.acceptedAt,
          preemptions: job.preemptions ?? 0,
          requested: job.preemption !== undefined,
        });
      }
    }
    return candidates;
  }
}
