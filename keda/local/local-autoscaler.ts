import type { Clock, PoolDefinition, Topology } from "../../contracts/index.js";
import { decideScaledJob } from "./scaled-job-formula.js";
import { decideScaledObject } from "./scaled-object-formula.js";
import type { WorkerHandle, WorkerLauncher } from "./worker-launcher.js";

/** Reads a pool's trigger metric: subscription ActiveMessageCount for the stock trigger, the
 * coordinator's demand for external-push. */
export type PoolMetric = (pool: PoolDefinition) => Promise<number>;

export interface PoolScaleState {
  pool: string;
  workload: PoolDefinition["workload"];
  metric: number;
  desired: number;
  /** Replicas: running + pending containers. */
  running: number;
  pending: number;
  /** Containers told to stop (or exiting on their own) and still draining; not replicas. */
  stopping: number;
  lastActiveAt?: number;
  launched: number;
  terminated: number;
  peak: number;
}

/**
 * KEDA on a laptop: polls each pool's trigger every pollingInterval and applies KEDA's own formulas
 * (ScaledJob strategies; the ScaledObject activation/HPA/cooldown path) to local worker processes.
 * Never kills a ScaledJob worker (KEDA does not); scales a ScaledObject in with SIGTERM so the
 * agent drains.
 */
export class LocalAutoscaler {
  private readonly workers = new Map<string, WorkerHandle[]>();
  private readonly state = new Map<string, PoolScaleState>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly polling = new Set<string>();
  private stopped = true;

  constructor(
    private readonly deps: {
      topology: Topology;
      launcher: WorkerLauncher;
      metric: PoolMetric;
      clock: Clock;
      onError?: (pool: string, error: unknown) => void;
      onScale?: (pool: string, change: { from: number; to: number; reason: string }) => void;
    },
  ) {
    for (const pool of deps.topology.pools) {
      this.workers.set(pool.name, []);
      this.state.set(pool.name, { pool: pool.name, workload: pool.workload, metric: 0, desired: 0, running: 0, pending: 0, stopping: 0, launched: 0, terminated: 0, peak: 0 });
    }
  }

  start(): void {
    this.stopped = false;
    for (const pool of this.deps.topology.pools) {
      const run = () => void this.poll(pool);
      run();
      this.timers.push(setInterval(run, pool.pollingIntervalSeconds * 1000));
    }
  }

  /** Stops scaling, SIGTERMs every worker and waits (bounded) for them; SIGKILLs stragglers. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    const all = [...this.workers.values()].flat().filter((w) => w.state() !== "exited");
    for (const worker of all) worker.terminate();
    const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(all.map((w) => w.exited)), deadline]);
    for (const worker of all) if (worker.state() !== "exited") worker.kill();
    await Promise.all(all.map((w) => w.exited));
  }

  states(): PoolScaleState[] {
    return [...this.state.values()].map((s) => ({ ...s }));
  }

  /** Every worker process not exited yet, stopping ones included. */
  liveWorkers(): WorkerHandle[] {
    return [...this.workers.values()].flat().filter((w) => w.state() !== "exited");
  }

  /** One polling cycle for a pool (what KEDA does every pollingInterval). */
  async poll(pool: PoolDefinition): Promise<void> {
    if (this.stopped || this.polling.has(pool.name)) return;
    this.polling.add(pool.name);
    try {
      const metric = await this.deps.metric(pool);
      const now = this.deps.clock.now();
      // Replicas are the containers alive and not on their way out: one told to stop (or exiting
      // on its own) takes no new work, so counting it would hold back the replacement it needs and
      // report more replicas than maxReplicas while it drains.
      const live = this.replicas(pool.name);
      const running = live.filter((w) => w.state() === "running").length;
      const pending = live.length - running;
      const state = this.state.get(pool.name)!;
      state.metric = metric;
      if (metric > pool.activationMessageCount) state.lastActiveAt = now;
      if (pool.workload === "scaledJob") {
        const decision = decideScaledJob({
          queueLength: metric,
          targetAverageValue: pool.messageCount,
          activationThreshold: pool.activationMessageCount,
          minReplicaCount: pool.minReplicas,
          maxReplicaCount: pool.maxReplicas,
          runningJobCount: live.length,
          pendingJobCount: pending,
          strategy: pool.scalingStrategy,
          ...(pool.customScalingQueueLengthDeduction === undefined ? {} : { customScalingQueueLengthDeduction: pool.customScalingQueueLengthDeduction }),
          ...(pool.customScalingRunningJobPercentage === undefined ? {} : { customScalingRunningJobPercentage: pool.customScalingRunningJobPercentage }),
        });
        // KEDA's custom strategy (and its top-up to minReplicaCount) can ask for more jobs than
        // maxReplicaCount leaves room for; the pool's maximum is also its capacity window in the
        // coordinator, so it is a hard bound here.
        const toCreate = Math.min(decision.jobsToCreate, Math.max(0, pool.maxReplicas - live.length));
        for (let i = 0; i < toCreate && !this.stopped; i++) this.launch(pool, "one-shot");
        state.desired = live.length + toCreate;
        if (toCreate > 0) this.deps.onScale?.(pool.name, { from: live.length, to: state.desired, reason: `${pool.scalingStrategy} strategy` });
      } else {
        const decision = decideScaledObject({
          metric,
          target: pool.messageCount,
          activationThreshold: pool.activationMessageCount,
          minReplicaCount: pool.minReplicas,
          maxReplicaCount: pool.maxReplicas,
          currentReplicas: live.length,
          now,
          lastActiveAt: state.lastActiveAt,
          cooldownMs: pool.cooldownSeconds * 1000,
        });
        state.desired = decision.desiredReplicas;
        if (decision.desiredReplicas > live.length) {
          for (let i = live.length; i < decision.desiredReplicas && !this.stopped; i++) this.launch(pool, "serve");
        } else if (decision.desiredReplicas < live.length) {
          // Newest first, as a ReplicaSet scales in the youngest pods.
          const extra = [...live].sort((a, b) => b.startedAt - a.startedAt).slice(0, live.length - decision.desiredReplicas);
          for (const worker of extra) {
            worker.terminate();
            state.terminated++;
          }
        }
        if (decision.desiredReplicas !== live.length) this.deps.onScale?.(pool.name, { from: live.length, to: decision.desiredReplicas, reason: decision.reason });
      }
      const after = this.replicas(pool.name);
      state.running = after.filter((w) => w.state() === "running").length;
      state.pending = after.length - state.running;
      state.stopping = this.prune(pool.name).length - after.length;
      state.peak = Math.max(state.peak, after.length);
    } catch (error) {
      this.deps.onError?.(pool.name, error);
    } finally {
      this.polling.delete(pool.name);
    }
  }

  private launch(pool: PoolDefinition, mode: "one-shot" | "serve"): void {
    const handle = this.deps.launcher.launch(pool, mode);
    this.workers.get(pool.name)!.push(handle);
    this.state.get(pool.name)!.launched++;
  }

  /** Drops exited workers; returns a copy of the rest (launching must not grow a caller's list). */
  private prune(pool: string): WorkerHandle[] {
    const alive = this.workers.get(pool)!.filter((w) => w.state() !== "exited");
    this.workers.set(pool, alive);
    return [...alive];
  }

  /** The pool's replicas: running and pending containers, not the stopping ones. */
  private replicas(pool: string): WorkerHandle[] {
    return this.prune(pool).filter((w) => w.state() === "running" || w.state() === "pending");
  }
}
