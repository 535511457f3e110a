import {
  type Clock,
  FleetError,
  type JobDoc,
  type JobEvent,
  type JobSpec,
  type JobTotals,
  isoTime,
  type ListJobsQuery,
  RUNNING_STAGES,
  type WhyAnswer,
  type OperatorAction,
  type PatchJobBody,
  type ReleaseLeaseBody,
  type Run,
  type Stage,
  type SubmitJobBody,
  isFleetError,
  isTerminal,
} from "../../contracts/index.js";
import { depSatisfied } from "../jobs/dependency-graph.js";
import { unblockJob } from "../jobs/supersede-job.js";
import { acceptLease } from "../lifecycle/accept-lease.js";
import { deadLetterFromBroker, type BrokerDeadLetter } from "../lifecycle/dead-letter-job.js";
import { discardDeadLetter } from "../lifecycle/discard-dead-letter.js";
import { applyOperatorAction } from "../lifecycle/operator-action.js";
import { leaseDeadline, reapLease } from "../lifecycle/reap-lease.js";
import { releaseLease } from "../lifecycle/release-lease.js";
import { renewLease } from "../lifecycle/renew-lease.js";
import { reportStage } from "../lifecycle/report-stage.js";
import type { FactoryPrincipal } from "../auth/principal.js";
import { DeadlineQueue } from "../scheduler/deadline-queue.js";
import { ReadyIndex } from "../scheduler/ready-index.js";
import { Scheduler, toScorableJob } from "../scheduler/scheduler.js";
import { DEFAULT_STARVATION_AFTER_MS, DEFAULT_WEIGHTS, explainJob, resolveWeights, type ScoreWeights, type ScoreWeightsPatch } from "../scorer/index.js";
import type { StorePort } from "../../store/port.js";
import { Dependents } from "./dependents.js";
import { type CommitListener, JobBook } from "./job-book.js";
import { type JobListPage, JobLister } from "./job-lister.js";
import { type RankedCandidate, rankAhead } from "../why/rank-ahead.js";
import { waitReasons } from "../why/wait-reasons.js";
import { JobTotalsBook } from "./job-totals.js";
import { JobSubmitter, type SubmitResult } from "./job-submitter.js";
import { type PoolRegistryOptions, type PoolRuntime, PoolRegistry, toScorable } from "../pools/pool-registry.js";

/** Receives every committed assignment (after the write): the dispatcher's outbox relay. */
export interface AssignmentSink {
  assignmentCommitted(job: JobDoc): void;
}

export interface CoordinatorOptions extends PoolRegistryOptions {
  store: StorePort;
  clock: Clock;
  topology: import("../../contracts/index.js").Topology;
  /** Per-product weight registry (the middle level of weight resolution). */
  productWeights?: Readonly<Record<string, ScoreWeightsPatch>>;
  starvationAfterMs?: number;
}

/**
 * The coordinator: owns job state transitions, the ready index, leases and the reaper. Everything
 * it decides is made by the pure lifecycle functions and the pure scorer; this class only loads,
 * commits and keeps the in-memory indexes in step with every commit.
 */
export interface CoordinatorCounters {
  fencedRejections: number;
  staleDeadLetters: number;
  reaped: number;
  assignments: number;
  takeovers: number;
  shipped: number;
  deadLettered: number;
}

/** A pool as callers outside the coordinator see it: a snapshot, never the live record. */
export type PoolView = Readonly<Omit<PoolRuntime, "definition">> & { readonly definition: PoolRuntime["definition"]; readonly acceptLatencyAvgMs: number | undefined };

export class Coordinator {
  private readonly book: JobBook;
  private readonly pools: PoolRegistry;
  private readonly ready = new ReadyIndex();
  private readonly backoff = new DeadlineQueue();
  private readonly leases = new DeadlineQueue();
  private readonly dependents = new Dependents();
  private readonly scheduler: Scheduler;
  private readonly submitter: JobSubmitter;
  private readonly lister: JobLister;
  private readonly totals: JobTotalsBook;
  private readonly sinks: AssignmentSink[] = [];
  private readonly unblockQueue = new Set<string>();
  private readonly counts: CoordinatorCounters = { fencedRejections: 0, staleDeadLetters: 0, reaped: 0, assignments: 0, takeovers: 0, shipped: 0, deadLettered: 0 };

  constructor(private readonly options: CoordinatorOptions) {
    this.book = new JobBook(options.store);
    this.pools = new PoolRegistry(options.topology, options);
    const book = this.book;
    this.scheduler = new Scheduler({ cached: (id) => book.cached(id), commit: (id, decide) => book.mutate(id, undefined, decide) }, this.ready, this.pools, {
      weightsFor: (productId) => this.weightsFor(productId),
      starvationAfterMs: options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS,
    });
    this.submitter = new JobSubmitter(this.book, this.pools);
    this.lister = new JobLister(options.store);
    this.totals = new JobTotalsBook(options.store);
    this.book.onCommit((previous, next) => this.observe(previous, next));
    this.book.onCommit((previous, next) => this.totals.observe(previous, next));
  }

  get clock(): Clock {
    return this.options.clock;
  }

  addSink(sink: AssignmentSink): void {
    this.sinks.push(sink);
  }

  /** Subscribes to every committed job change (after the write), in commit order. Listeners must
   * not throw and must not mutate the documents. Metrics and event streams hang off this. */
  onCommit(listener: CommitListener): void {
    this.book.onCommit(listener);
  }

  /** Counters since this process started (a copy). */
  get counters(): Readonly<CoordinatorCounters> {
    return { ...this.counts };
  }

  /** Whether the assignment of `epoch` still waits to be accepted: what the outbox relay publishes.
   * Answered from memory (the cache of active jobs), never from the store. */
  isAwaitingAccept(jobId: string, epoch: number): boolean {
    const job = this.book.cached(jobId);
    return job !== undefined && job.stage === "assigned" && job.leaseEpoch === epoch && job.lease?.factoryId === undefined;
  }

  /** Ready jobs per pool that would take them (the best-fitting capable pool), and under
   * `null` the ready jobs no pool can run. From memory, exact. */
  readyByPool(): Map<string | null, number> {
    const counts = new Map<string | null, number>();
    for (const set of this.ready.capabilitySets()) {
      const pool = this.pools.capableOf(set.capabilityKey, set.capabilities)[0]?.definition.name ?? null;
      counts.set(pool, (counts.get(pool) ?? 0) + set.count);
    }
    return counts;
  }

  /** The in-memory copy of an active job (undefined once it is terminal or unknown). */
  activeJob(id: string): JobDoc | undefined {
    return this.book.cached(id);
  }

  /** Snapshots of every pool's definition and live counters. */
  poolViews(): PoolView[] {
    return this.pools.all().map(viewOf);
  }

  poolView(name: string): PoolView | undefined {
    const pool = this.pools.get(name);
    return pool === undefined ? undefined : viewOf(pool);
  }

  /** Active jobs by stage and index sizes, from memory. */

  /** Rebuilds every in-memory index from the store. Call once before serving. */
  async start(): Promise<number> {
    const active = await this.book.rebuild();
    // Totals are for operators: a store that refuses the counts now must not keep the coordinator
    // from scheduling. The first request that needs them counts again.
    await this.totals.start().catch(() => undefined);
    return active;
  }

  weightsFor(productId: string, override?: ScoreWeightsPatch): ScoreWeights {
    const registry = this.options.productWeights;
    return resolveWeights({ productId, ...(registry === undefined ? {} : { productRegistry: registry }), ...(override === undefined ? {} : { override }) }).weights;
  }

  // ---- submission -------------------------------------------------------------------------

  submit(productId: string, body: SubmitJobBody): Promise<SubmitResult> {
    return this.submitter.submit(productId, body, this.clock.now());
  }

  addChildren(productId: string, parentId: string, children: readonly JobSpec[]): Promise<SubmitResult> {
    return this.submitter.addChildren(productId, parentId, children, this.clock.now());
  }

  // ---- reads --------------------------------------------------------------------------------

  async getJob(productScope: string | undefined, id: string): Promise<JobDoc> {
    const stored = await this.book.read(id);
    if (stored === undefined || (productScope !== undefined && stored.doc.productId !== productScope)) {
      throw new FleetError("NOT_FOUND", `job ${id} not found`);
    }
    return stored.doc;
  }

  /** One page of the operator's job list, with the product's (or the fleet's) totals per stage. */
  async listJobs(productScope: string | undefined, query: ListJobsQuery): Promise<JobListPage & { totals: JobTotals }> {
    const [page, totals] = await Promise.all([this.lister.list(productScope, query), this.totals.totals(productScope)]);
    return { ...page, totals };
  }

  async runs(productScope: string | undefined, id: string): Promise<Run[]> {
    return (await this.getJob(productScope, id)).runs;
  }

  /** The timeline (archived pages, then the inline tail), oldest first; with `after`, only the
   * events with a larger seq, reading only the pages that hold them. */
  async events(productScope: string | undefined, id: string, after?: number): Promise<{ job: JobDoc; events: JobEvent[] }> {
    const job = await this.getJob(productScope, id);
    const newest = job.events[0];
    const needPages = after === undefined || newest === undefined || newest.seq > after + 1;
    const pages = needPages
      ? await this.options.store.query("events", {
          partitionKey: id,
          ...(after === undefined ? {} : { where: [{ field: "toSeq", op: ">", value: after }] }),
          orderBy: { field: "fromSeq", direction: "asc" },
          limit: 1000,
        })
      : { items: [] };
    const seen = new Set<number>();
    const events: JobEvent[] = [];
    for (const event of [...pages.items.flatMap((page) => page.doc.events), ...job.events]) {
      if (seen.has(event.seq) || (after !== undefined && event.seq <= after)) continue;
      seen.add(event.seq);
      events.push(event);
    }
    return { job, events: events.sort((a, b) => a.seq - b.seq) };
  }

  async explain(productScope: string | undefined, id: string, override?: ScoreWeightsPatch) {
    const job = await this.getJob(productScope, id);
    const registry = this.options.productWeights;
    return {
      jobId: job.id,
      stage: job.stage,
      ...explainJob(toScorableJob(job), this.pools.all().map(toScorable), {
        now: this.clock.now(),
        productId: job.productId,
        // The scheduler's threshold, so explain shows the score the scheduler ranks by.
        starvationAfterMs: this.options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS,
        ...(registry === undefined ? {} : { productRegistry: registry }),
        ...(override === undefined ? {} : { override }),
      }),
    };
  }

  /** Why the job is where it is: one sentence and the facts behind it, from the scheduler's own
   * rules (coordinator/why/). Answered from memory, plus a read per dependency no longer active. */
  async why(productScope: string | undefined, id: string): Promise<WhyAnswer> {
    const job = await this.getJob(productScope, id);
    const now = this.clock.now();
    const deps =
      job.stage === "blocked"
        ? await Promise.all(
            job.deps.map(async (depId) => {
              const dep = this.book.cached(depId) ?? (await this.book.read(depId))?.doc;
              return dep === undefined ? { id: depId } : { id: depId, key: dep.idempotencyKey, stage: dep.stage };
            }),
          )
        : [];
    const reasons = waitReasons({
      now,
      job: {
        stage: job.stage,
        capabilities: job.capabilities,
        depsMode: job.depsMode,
        retries: job.retries,
        retryMax: job.retry.max,
        updatedAt: job.updatedAt,
        ...(job.stageReason === undefined ? {} : { stageReason: job.stageReason }),
        ...(job.notBefore === undefined ? {} : { notBefore: job.notBefore }),
        ...(job.lease === undefined ? {} : { lease: job.lease }),
        ...(job.deadLetter === undefined ? {} : { deadLetter: job.deadLetter }),
      },
      deps,
      pools: this.pools.all().map(toScorable),
      ahead: job.stage === "queued" ? this.readyAheadOf(job, now) : 0,
    });
    return {
      jobId: job.id,
      idempotencyKey: job.idempotencyKey,
      stage: job.stage,
      waiting: !isTerminal(job.stage) && !RUNNING_STAGES.has(job.stage),
      summary: reasons[0]!.message,
      reasons,
      at: isoTime(now),
    };
  }

  /** Ready jobs the scheduler would pick before `job` for the pools it can use. */
  private readyAheadOf(job: JobDoc, now: number): number {
    const candidate = (of: JobDoc): RankedCandidate => ({
      job: toScorableJob(of),
      capablePools: this.pools.capableOf(of.capabilities.join(","), of.capabilities).map((pool) => pool.definition),
    });
    const book = this.book;
    const ready = this.ready;
    const competitors = (function* () {
      for (const other of book.activeJobs()) if (other.stage === "queued" && ready.has(other.id)) yield candidate(other);
    })();
    return rankAhead(candidate(job), competitors, {
      now,
      starvationAfterMs: this.options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS,
      weightsFor: (productId) => this.weightsFor(productId),
    });
  }

  /** The job, its children and their children, and the jobs it depends on. */
  async dag(productScope: string | undefined, id: string) {
    const root = await this.getJob(productScope, id);
    const nodes = new Map<string, { id: string; key: string; stage: Stage; kind: string; deps: string[]; children: string[] }>();
    const pending = [root.id];
    while (pending.length > 0 && nodes.size < 1000) {
      const nextId = pending.pop()!;
      if (nodes.has(nextId)) continue;
      const job = nextId === root.id ? root : (await this.book.read(nextId))?.doc;
      if (job === undefined) continue;
      nodes.set(job.id, { id: job.id, key: job.idempotencyKey, stage: job.stage, kind: job.kind, deps: job.deps, children: job.children ?? [] });
      pending.push(...(job.children ?? []), ...job.deps);
    }
    return { root: root.id, nodes: [...nodes.values()] };
  }

  // ---- factory calls (fenced) ---------------------------------------------------------------

  accept(factory: FactoryPrincipal, id: string, epoch: number): Promise<JobDoc> {
    const pool = this.pools.get(factory.pool);
    const leaseMs = (pool?.definition.leaseSeconds ?? 120) * 1000;
    return this.fenced(() =>
      this.book.mutate(id, scopeOf(factory), (job) =>
        acceptLease(job, { epoch, factoryId: factory.factoryId, pool: factory.pool, leaseMs }, this.clock.now()),
      ),
    );
  }

  renew(factory: FactoryPrincipal, id: string, epoch: number): Promise<JobDoc> {
    return this.fenced(() =>
      this.book.mutate(id, scopeOf(factory), (job) => renewLease(job, epoch, factory.factoryId, this.leaseMsOf(job), this.clock.now())),
    );
  }

  report(factory: FactoryPrincipal, id: string, body: PatchJobBody): Promise<JobDoc> {
    return this.fenced(() =>
      this.book.mutate(id, scopeOf(factory), (job) =>
        reportStage(
          job,
          {
            epoch: body.leaseEpoch,
            factoryId: factory.factoryId,
            stage: body.stage,
            leaseMs: this.leaseMsOf(job),
            ...(body.checkpoint === undefined ? {} : { checkpoint: body.checkpoint }),
            ...(body.note === undefined ? {} : { note: body.note }),
          },
          this.clock.now(),
        ),
      ),
    );
  }

  release(factory: FactoryPrincipal, id: string, body: ReleaseLeaseBody): Promise<JobDoc> {
    return this.fenced(() => this.book.mutate(id, scopeOf(factory), (job) => releaseLease(job, body, factory.factoryId, this.clock.now())));
  }

  // ---- operators and the broker -------------------------------------------------------------

  action(productScope: string | undefined, id: string, action: OperatorAction, reason?: string): Promise<JobDoc> {
    return this.book.mutate(id, productScope, (job) => applyOperatorAction(job, action, this.clock.now(), reason));
  }

  discardDeadLetter(productScope: string | undefined, id: string, reason?: string): Promise<JobDoc> {
    return this.book.mutate(id, productScope, (job) => discardDeadLetter(job, this.clock.now(), reason));
  }

  /** Reconciles a broker dead letter. Returns whether it changed the job (false = stale). */
  async deadLetter(jobId: string, letter: BrokerDeadLetter): Promise<{ applied: boolean; job?: JobDoc }> {
    try {
      const before = this.book.cached(jobId);
      const job = await this.book.mutate(jobId, undefined, (current) => deadLetterFromBroker(current, letter, this.clock.now()));
      const applied = job.stage === "dead_letter" && job.deadLetter?.epoch === letter.epoch && before?.stage !== "dead_letter";
      if (!applied) this.counts.staleDeadLetters++;
      return { applied, job };
    } catch (error) {
      if (isFleetError(error, "NOT_FOUND")) {
        this.counts.staleDeadLetters++;
        return { applied: false };
      }
      throw error;
    }
  }

  // ---- the loop -----------------------------------------------------------------------------

  /** One pass of background work at the coordinator's `now`: release due backoffs, reap expired
   * leases, unblock dependents, assign ready work. Safe to call as often as wanted. */
  async tick(limit = Number.POSITIVE_INFINITY): Promise<{ assigned: number; reaped: number }> {
    const now = this.clock.now();
    for (const id of this.backoff.takeDue(now)) {
      const job = this.book.cached(id);
      if (job?.stage === "queued") this.ready.add(job);
    }
    const reaped = await this.reapExpiredLeases(now);
    await this.drainUnblocks();
    const assigned = await this.scheduler.assignReady(now, limit);
    this.counts.assignments += assigned;
    return { assigned, reaped };
  }

  /** Requeues or dead-letters every job whose lease deadline has passed. Idempotent. */
  async reapExpiredLeases(now: number): Promise<number> {
    let reaped = 0;
    for (const id of this.leases.takeDue(now)) {
      try {
        const before = this.book.cached(id);
        const after = await this.book.mutate(id, undefined, (job) => reapLease(job, now));
        if (after !== before) reaped++;
        // Not due after all (renewed meanwhile): keep watching its deadline.
        const deadline = isTerminal(after.stage) ? undefined : leaseDeadline(after);
        if (after === before && deadline !== undefined) this.leases.set(id, deadline);
      } catch (error) {
        if (isFleetError(error, "NOT_FOUND")) continue;
        // The store refused (throttled, unavailable): keep the deadline so the next pass retries.
        const job = this.book.cached(id);
        const deadline = job === undefined ? undefined : leaseDeadline(job);
        if (deadline !== undefined) this.leases.set(id, Math.max(deadline, now + 250));
      }
    }
    this.counts.reaped += reaped;
    return reaped;
  }

  /** When the next background deadline falls (for sleeping until it). */
  nextDeadline(): number | undefined {
    const candidates = [this.backoff.nextAt(), this.leases.nextAt()].filter((at): at is number => at !== undefined);
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  queueState() {
    const byStage: Record<string, number> = {};
    for (const job of this.book.activeJobs()) byStage[job.stage] = (byStage[job.stage] ?? 0) + 1;
    return { ready: this.ready.size, backingOff: this.backoff.size, leases: this.leases.size, byStage };
  }

  // ---- internals ------------------------------------------------------------------------------

  private leaseMsOf(job: JobDoc): number {
    const pool = job.lease === undefined ? undefined : this.pools.get(job.lease.pool);
    return (pool?.definition.leaseSeconds ?? 120) * 1000;
  }

  private async fenced<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isFleetError(error, "STALE_EPOCH") || isFleetError(error, "LEASE_TAKEN")) this.counts.fencedRejections++;
      throw error;
    }
  }

  /** Keeps every index in step with one committed change. The only place indexes change. */
  private observe(previous: JobDoc | undefined, next: JobDoc): void {
    this.pools.observe(previous, next);
    if (previous !== undefined && previous.stage !== next.stage) {
      if (next.stage === "shipped") this.counts.shipped++;
      if (next.stage === "dead_letter") this.counts.deadLettered++;
    }
    this.dependents.observe(previous, next);
    // Ready index and backoff.
    if (next.stage === "queued") {
      if (next.notBefore !== undefined && next.notBefore > this.clock.now()) {
        this.ready.remove(next.id);
        this.backoff.set(next.id, next.notBefore);
      } else {
        this.backoff.delete(next.id);
        if (previous?.stage !== "queued" || !this.ready.has(next.id) || previous.priority !== next.priority || previous.capabilities.join() !== next.capabilities.join()) {
          this.ready.add(next);
        }
      }
    } else {
      this.ready.remove(next.id);
      this.backoff.delete(next.id);
    }
    // Lease deadlines for the reaper.
    const deadline = isTerminal(next.stage) ? undefined : leaseDeadline(next);
    if (deadline === undefined) this.leases.delete(next.id);
    else this.leases.set(next.id, deadline);
    // Outbox: hand a fresh assignment to the relay.
    if (next.outbox !== undefined && next.stage === "assigned" && previous?.outbox?.epoch !== next.outbox.epoch) {
      for (const sink of this.sinks) sink.assignmentCommitted(next);
    }
    // Dependencies: a dep that just became satisfiable may unblock its dependents.
    if (previous?.stage !== next.stage && (next.stage === "testing" || next.stage === "shipped")) {
      for (const dependent of this.dependents.of(next.id)) this.unblockQueue.add(dependent);
    }
    if (next.stage === "blocked" && previous === undefined) this.unblockQueue.add(next.id);
  }

  private async drainUnblocks(): Promise<void> {
    const ids = [...this.unblockQueue];
    this.unblockQueue.clear();
    for (const id of ids) {
      try {
        const job = this.book.cached(id);
        if (job?.stage !== "blocked") continue;
        let ready = true;
        for (const depId of job.deps) {
          const dep = this.book.cached(depId) ?? (await this.book.read(depId))?.doc;
          if (dep === undefined || !depSatisfied(job.depsMode, dep.stage)) {
            ready = false;
            break;
          }
        }
        if (ready) await this.book.mutate(id, undefined, (current) => unblockJob(current, this.clock.now()));
      } catch {
        // The store refused: try again on the next pass.
        this.unblockQueue.add(id);
      }
    }
  }
}

function viewOf(pool: PoolRuntime): PoolView {
  return { ...pool, acceptLatencyAvgMs: pool.acceptLatencyCount === 0 ? undefined : pool.acceptLatencyMsSum / pool.acceptLatencyCount };
}

function scopeOf(factory: FactoryPrincipal): string | undefined {
  return factory.productId === "*" ? undefined : factory.productId;
}

export { DEFAULT_WEIGHTS };
