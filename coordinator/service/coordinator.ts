import {
  type Clock,
  FleetError,
  type PauseBody,
  type PoolPause,
  type PutBudgetBody,
  type PutScheduleBody,
  type PutWeightsBody,
  type JobDoc,
  type JobEvent,
  type JobSpec,
  type JobTotals,
  isoTime,
  type ListJobsQuery,
  RUNNING_STAGES,
  type WhyAnswer,
  type OperatorAction,
  type ArtifactPointer,
  type PatchJobBody,
  type ProductReviewPolicyView,
  type PutReviewPolicyBody,
  type ReleaseLeaseBody,
  type RequestReviewBody,
  type ReviewView,
  type SubmitReviewBody,
  type Run,
  type Stage,
  type SubmitJobBody,
  type TerminalStage,
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
import { markArtifactsDeleted } from "../lifecycle/artifact-pointers.js";
import { releaseLease } from "../lifecycle/release-lease.js";
import { decideReview, requestReview } from "../lifecycle/review-gate.js";
import { countedApprovals } from "../lifecycle/review-round.js";
import { renewLease } from "../lifecycle/renew-lease.js";
import { reportStage } from "../lifecycle/report-stage.js";
import type { FactoryPrincipal, OperatorPrincipal } from "../auth/principal.js";
import { DeadlineQueue } from "../scheduler/deadline-queue.js";
import { ReadyIndex } from "../scheduler/ready-index.js";
import { Scheduler, toScorableJob } from "../scheduler/scheduler.js";
import { DEFAULT_STARVATION_AFTER_MS, DEFAULT_WEIGHTS, explainJob, type ScoreWeights, type ScoreWeightsPatch } from "../scorer/index.js";
import { AssignmentWithdrawals } from "./assignment-withdrawals.js";
import { preemptionEventsOf } from "./preemption-events.js";
import { type FleetEventListener, FleetEvents } from "./fleet-events.js";
import { type GateChange, ProductControls } from "./product-controls.js";
import { PoolControls } from "./pool-controls.js";
import { PreemptionPlanner } from "./preemption-planner.js";
import { ReviewPolicies } from "./review-policies.js";
import { reviewViewOf } from "./review-view.js";
import { ScheduleBook } from "./schedule-book.js";
import {
  drainDirectiveOf,
  type HeartbeatDirectives,
  heldBackFact,
  type LeaseDirectives,
  leaseDirectivesOf,
  type PoolPauseState,
  type ProductPauseState,
  poolPauseStateOf,
  productPauseStateOf,
} from "./flow-facts.js";
import type { Burndown, BudgetView } from "./product-controls.js";
import type { ScheduleView } from "./schedule-book.js";
import type { StorePort } from "../../store/port.js";
import { Dependents } from "./dependents.js";
import { type CommitListener, JobBook } from "./job-book.js";
import { type JobListPage, JobLister } from "./job-lister.js";
import { type RankedCandidate, rankAhead } from "../why/rank-ahead.js";
import { waitReasons } from "../why/wait-reasons.js";
import { JobTotalsBook } from "./job-totals.js";
import { JobSubmitter, type SubmitResult } from "./job-submitter.js";
import { type BatchItem, type BatchOutcome, submitBatch } from "./batch-submission.js";
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
  /** Assignment writes of one scheduling pass in flight at once (default 1, one after another);
   * see Scheduler.assignReady. The coordinator process runs 64 (composition/coordinator-process.ts). */
  assignmentWritesInFlight?: number;
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
  preemptionsRequested: number;
}

/** A pool as callers outside the coordinator see it: a snapshot, never the live record. */
export type PoolView = Readonly<Omit<PoolRuntime, "definition" | "running" | "preempting">> & {
  readonly definition: PoolRuntime["definition"];
  readonly acceptLatencyAvgMs: number | undefined;
  readonly runningJobs: number;
  readonly preemptionsPending: number;
};

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
  private readonly counts: CoordinatorCounters = { fencedRejections: 0, staleDeadLetters: 0, reaped: 0, assignments: 0, takeovers: 0, shipped: 0, deadLettered: 0, preemptionsRequested: 0 };
  private readonly fleetEvents = new FleetEvents();
  private readonly controls: ProductControls;
  private readonly poolControls: PoolControls;
  private readonly schedules: ScheduleBook;
  private readonly preemption: PreemptionPlanner;
  /** Products whose pause is being recorded: closed to new work before the pause is written. */
  private readonly closing = new Set<string>();
  /** Products and pools whose unaccepted assignments are to be withdrawn on the next pass. */
  private readonly withdrawals = new AssignmentWithdrawals();
  /** The products' review policies (the job's own lives on the job). */
  private readonly reviewPolicies: ReviewPolicies;

  constructor(private readonly options: CoordinatorOptions) {
    this.book = new JobBook(options.store);
    this.pools = new PoolRegistry(options.topology, options);
    this.controls = new ProductControls({
      store: options.store,
      topology: options.topology,
      events: this.fleetEvents,
      ...(options.productWeights === undefined ? {} : { productWeights: options.productWeights }),
    });
    this.poolControls = new PoolControls(options.store, this.pools);
    this.reviewPolicies = new ReviewPolicies(this.controls);
    const book = this.book;
    const commit = (id: string, decide: (job: JobDoc) => JobDoc) => book.mutate(id, undefined, decide);
    const starvationAfterMs = options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS;
    const productOpen = (productId: string) => !this.closing.has(productId) && this.controls.isOpen(productId, this.clock.now());
    this.scheduler = new Scheduler({ cached: (id) => book.cached(id), commit }, this.ready, this.pools, {
      weightsFor: (productId) => this.controls.weightsFor(productId),
      starvationAfterMs,
      productOpen,
      holdBack: (job) => this.controls.holdsBack(job, this.clock.now()),
      onHeld: (job) => {
        if (!this.controls.hold(job)) return;
        const gate = this.controls.gate(job.productId, this.clock.now());
        this.fleetEvents.emit({ type: "job.held_back", at: this.clock.now(), productId: job.productId, jobId: job.id, data: { jobBudgetUsd: job.budget?.usd ?? null, remainingUsd: gate.remainingUsd } });
      },
      shareOf: (productId) => this.controls.shareOf(productId),
      ...(options.assignmentWritesInFlight === undefined ? {} : { maxWritesInFlight: options.assignmentWritesInFlight }),
    });
    this.preemption = new PreemptionPlanner({
      ready: this.ready,
      pools: this.pools,
      cached: (id) => book.cached(id),
      commit,
      productOpen,
      weightsFor: (productId) => this.controls.weightsFor(productId),
      starvationAfterMs,
      preemption: options.topology.preemption,
    });
    this.submitter = new JobSubmitter(this.book, this.pools);
    this.schedules = new ScheduleBook(
      options.store,
      {
        submit: async (productId, body) => {
          const result = await this.submit(productId, body);
          return { jobId: result.job.id, outcome: result.outcome };
        },
        isActive: (jobId) => book.cached(jobId) !== undefined,
        assertRoutable: (capabilities) => this.assertRoutable(capabilities),
      },
      this.fleetEvents,
    );
    this.lister = new JobLister(options.store);
    this.totals = new JobTotalsBook(options.store);
    this.book.onCommit((previous, next) => this.observe(previous, next));
    this.book.onCommit((previous, next) => this.totals.observe(previous, next));
  }

  /** Subscribes to fleet events (budgets, pauses, preemptions, schedules), after they commit.
   * Listeners must not throw (a throw is swallowed) and must not block. */
  onFleetEvent(listener: FleetEventListener): void {
    this.fleetEvents.on(listener);
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

  /** Rebuilds every in-memory index from the store: pools' pauses, active jobs, products'
   * controls and spend, schedules. Call once before serving. Returns the active jobs loaded. */
  async start(): Promise<number> {
    await this.poolControls.load();
    const active = await this.book.rebuild();
    await this.controls.load(this.clock.now(), () => this.book.activeJobs());
    this.controls.activeSource = () => this.book.activeJobs();
    await this.schedules.load();
    // Totals are for operators: a store that refuses the counts now must not keep the coordinator
    // from scheduling. The first request that needs them counts again.
    await this.totals.start().catch(() => undefined);
    return active;
  }

  /** The product's score weights: the per-request override over the product's (API over
   * topology) over the defaults, per field. */
  weightsFor(productId: string, override?: ScoreWeightsPatch): ScoreWeights {
    return this.controls.weightsFor(productId, override);
  }

  // ---- submission -------------------------------------------------------------------------

  submit(productId: string, body: SubmitJobBody): Promise<SubmitResult> {
    return this.submitter.submit(productId, body, this.clock.now());
  }

  /** A batch of submits, each as `submit` would do it (see batch-submission.ts). */
  submitBatch(productId: string, items: readonly BatchItem[]): Promise<BatchOutcome[]> {
    const now = this.clock.now();
    return submitBatch(items, (spec) => this.submitter.submit(productId, spec, now));
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

  /** The fleet's jobs per terminal stage, from memory (for the metrics; see JobTotalsBook.countedTerminal). */
  terminalTotals(): Readonly<Record<TerminalStage, number>> | undefined {
    return this.totals.countedTerminal(undefined);
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
    const now = this.clock.now();
    return {
      jobId: job.id,
      stage: job.stage,
      ...explainJob(toScorableJob(job), this.pools.all().map(toScorable), {
        now,
        productId: job.productId,
        // The scheduler's threshold, so explain shows the score the scheduler ranks by.
        starvationAfterMs: this.options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS,
        productRegistry: { [job.productId]: this.controls.weightsPatchOf(job.productId) },
        ...(override === undefined ? {} : { override }),
      }),
      fairness: this.scheduler.fairnessTerm(job.productId, job.priority === "critical"),
      flow: {
        product: this.pauseStateOf(job.productId),
        heldBack: this.heldBackOf(job.id) ?? null,
        notBefore: job.notBefore ?? null,
        preemption: job.preemption ?? null,
        preemptions: job.preemptions ?? 0,
      },
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
        ...(job.review?.state === "awaiting"
          ? { review: { round: job.review.round, counted: countedApprovals(job.review), needed: job.review.policy.approvals, roles: job.review.policy.roles } }
          : {}),
      },
      deps,
      pools: this.pools.all().map(toScorable),
      ahead: job.stage === "queued" ? this.readyAheadOf(job, now) : 0,
    });
    return {
      jobId: job.id,
      idempotencyKey: job.idempotencyKey,
      stage: job.stage,
      // A job resting at review or testing (no lease) waits for people, not for a factory.
      waiting: !isTerminal(job.stage) && !(RUNNING_STAGES.has(job.stage) && job.lease !== undefined),
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
    return this.fenced(() =>
      this.book.mutate(id, scopeOf(factory), (job) => releaseLease(job, body, factory.factoryId, this.clock.now(), this.reviewPolicies.of(job.productId))),
    );
  }

  // ---- the review gate ------------------------------------------------------------------------

  /** An operator asks for reviews of the job before it ships (see lifecycle/review-gate.ts). */
  requestReview(operator: OperatorPrincipal, id: string, body: RequestReviewBody): Promise<JobDoc> {
    const scope = operator.productId === "*" ? undefined : operator.productId;
    return this.book.mutate(id, scope, (job) =>
      requestReview(
        job,
        {
          by: operator.credentialId,
          ...(body.approvals === undefined ? {} : { approvals: body.approvals }),
          ...(body.roles === undefined ? {} : { roles: body.roles }),
          ...(body.comment === undefined ? {} : { comment: body.comment }),
        },
        this.reviewPolicies.of(job.productId),
        this.clock.now(),
      ),
    );
  }

  /** The authenticated operator's decision on a job that awaits its reviewers. */
  review(operator: OperatorPrincipal, id: string, body: SubmitReviewBody): Promise<JobDoc> {
    const scope = operator.productId === "*" ? undefined : operator.productId;
    return this.book.mutate(id, scope, (job) =>
      decideReview(
        job,
        {
          reviewer: operator.credentialId,
          reviewerRoles: operator.reviewerRoles ?? [],
          operatorRole: operator.role,
          verdict: body.verdict,
          ...(body.comment === undefined ? {} : { comment: body.comment }),
        },
        this.clock.now(),
      ),
    );
  }

  /** The job's review gate as a person reads it: the policy in force and the latest round. */
  async reviewView(productScope: string | undefined, id: string): Promise<ReviewView> {
    const job = await this.getJob(productScope, id);
    return reviewViewOf(job, this.reviewPolicies.of(job.productId));
  }

  productReviewPolicy(productId: string): ProductReviewPolicyView {
    return this.reviewPolicies.view(productId);
  }

  /** Sets the product's review policy; it applies to every release from now on (a job's own policy wins per field). */
  putProductReviewPolicy(productId: string, body: PutReviewPolicyBody, by: string): Promise<ProductReviewPolicyView> {
    return this.reviewPolicies.put(productId, body, by, this.clock.now());
  }

  /** Marks artifacts deleted on the job (their bytes are gone); one write, none when nothing matched. */
  markArtifactsDeleted(productScope: string | undefined, id: string, keys: ReadonlySet<string>, by: string, adopt?: { epoch: number; pointer: ArtifactPointer }): Promise<JobDoc> {
    return this.book.mutate(id, productScope, (job) => markArtifactsDeleted(job, keys, by, this.clock.now(), adopt));
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

  // ---- levers: budgets, pauses, weights, schedules ---------------------------------------------

  /** The product's budget, spend in the current window and pause (defaults when none was set). */
  budget(productId: string): BudgetView {
    return this.controls.view(productId, this.clock.now());
  }

  /** Creates or changes the product's budget; a change of window or ceiling takes effect at once
   * (a raised ceiling or a window roll-over resumes a product the ceiling had paused). */
  async putBudget(productId: string, body: PutBudgetBody, by: string): Promise<BudgetView> {
    const change = await this.controls.putBudget(productId, body, by, this.clock.now());
    if (change !== undefined) this.applyGateChange(change);
    return this.budget(productId);
  }

  /** Spend per UTC day in the current window, with the ceiling. From memory. */
  burndown(productId: string): Burndown {
    return this.controls.burndown(productId, this.clock.now());
  }

  /**
   * Pauses the product: no new assignment from the moment this returns (the scheduler is closed
   * to the product first, and the pause is recorded only once no assignment is in flight).
   * `mode` decides what happens to work already handed out (see PauseMode).
   */
  async pauseProduct(productId: string, body: PauseBody, by: string): Promise<ProductPauseState> {
    this.closing.add(productId);
    try {
      await this.scheduler.settled();
      const change = await this.controls.pause(productId, body, by, this.clock.now());
      if (change !== undefined) this.applyGateChange(change);
    } finally {
      this.closing.delete(productId);
    }
    return this.pauseStateOf(productId);
  }

  /** Lifts an operator's pause. A product over its ceiling stays paused by the ceiling (the
   * answer says so) until the ceiling is raised or the window rolls over. */
  async resumeProduct(productId: string, by: string): Promise<ProductPauseState> {
    const change = await this.controls.resume(productId, by, this.clock.now());
    if (change !== undefined) this.applyGateChange(change);
    return this.pauseStateOf(productId);
  }

  /** Whether the product gets new work now, and if not who paused it, how and why. From memory:
   * what "why is this job not running" reports for a paused product or budget. */
  pauseStateOf(productId: string): ProductPauseState {
    const now = this.clock.now();
    return productPauseStateOf(productId, this.controls.gate(productId, now), this.controls.budgetDoc(productId));
  }

  /** Every product with controls set, with its pause state. */
  productStates(): ProductPauseState[] {
    return this.controls.knownProducts().map((productId) => this.pauseStateOf(productId));
  }

  /** Whether a queued job is held back by its product's budget (its own budget.usd is more than what is left). */
  heldBackOf(jobId: string): { jobBudgetUsd: number; remainingUsd: number } | undefined {
    const job = this.book.cached(jobId);
    if (job === undefined || job.stage !== "queued") return undefined;
    if (!this.controls.isHeld(jobId) && !this.controls.holdsBack(job, this.clock.now())) return undefined;
    return heldBackFact(job, this.controls.gate(job.productId, this.clock.now()));
  }

  /** Pauses a pool (`drain`: also withdraws its unaccepted assignments and asks its warm agents,
   * at their next renewal or heartbeat, to finish and exit). No assignment to the pool is made
   * after this returns. */
  async pausePool(name: string, reason: string, by: string, drain: boolean): Promise<PoolPauseState> {
    const pool = this.requirePool(name);
    const previous = pool.pause;
    const pause: PoolPause = { reason, by, at: this.clock.now(), drain };
    this.pools.setPause(name, pause);
    try {
      await this.scheduler.settled();
      await this.poolControls.set(name, pause, this.clock.now());
    } catch (error) {
      this.pools.setPause(name, previous);
      throw error;
    }
    this.fleetEvents.emit({ type: drain ? "pool.draining" : "pool.paused", at: this.clock.now(), pool: name, data: { reason, by } });
    if (drain) this.withdrawals.push({ pool: name, reason: `pool '${name}' is draining: ${reason}` });
    return poolPauseStateOf(pool);
  }

  async resumePool(name: string, by: string): Promise<PoolPauseState> {
    const pool = this.requirePool(name);
    if (pool.pause !== undefined) {
      await this.poolControls.set(name, undefined, this.clock.now());
      this.fleetEvents.emit({ type: "pool.resumed", at: this.clock.now(), pool: name, data: { by } });
    }
    return poolPauseStateOf(pool);
  }

  /** The pool's pause, for operators and for "why is this job not running". Undefined: no such pool. */
  poolPauseOf(name: string): PoolPauseState | undefined {
    const pool = this.pools.get(name);
    return pool === undefined ? undefined : poolPauseStateOf(pool);
  }

  /** What the holder of this job's lease is told with its renewal (see LeaseDirectives). */
  leaseDirectives(job: JobDoc): LeaseDirectives {
    const pool = job.lease === undefined ? undefined : this.pools.get(job.lease.pool);
    return leaseDirectivesOf(job, this.controls.gate(job.productId, this.clock.now()), pool);
  }

  /** What a factory of `pool` is told with its heartbeat (see HeartbeatDirectives). */
  heartbeatDirectives(pool: string): HeartbeatDirectives {
    return drainDirectiveOf(this.pools.get(pool));
  }

  /** The product's fair share and score weights, with where each came from. */
  productWeights(productId: string) {
    const settings = this.controls.settingsOf(productId);
    return { productId, share: settings.share, weights: this.controls.weightsFor(productId), registry: settings.weights, sources: settings.sources };
  }

  allProductWeights() {
    return this.controls.knownProducts().map((productId) => this.productWeights(productId));
  }

  async putProductWeights(productId: string, body: PutWeightsBody, by: string) {
    await this.controls.putWeights(productId, body, by, this.clock.now());
    this.scheduler.forgetScores();
    return this.productWeights(productId);
  }

  listSchedules(productScope: string | undefined) {
    return this.schedules.list(productScope);
  }

  schedule(productId: string, name: string, next?: number): ScheduleView {
    return this.schedules.get(productId, name, next);
  }

  putSchedule(productId: string, name: string, body: PutScheduleBody) {
    return this.schedules.put(productId, name, body, this.clock.now());
  }

  pauseSchedule(productId: string, name: string, reason: string) {
    return this.schedules.setPaused(productId, name, true, reason, this.clock.now());
  }

  resumeSchedule(productId: string, name: string) {
    return this.schedules.setPaused(productId, name, false, undefined, this.clock.now());
  }

  deleteSchedule(productId: string, name: string): Promise<void> {
    return this.schedules.remove(productId, name, this.clock.now());
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
    for (const change of this.controls.tick(now)) this.applyGateChange(change);
    await this.withdrawals.run(now, () => this.book.activeJobs(), (id, decide) => this.book.mutate(id, undefined, decide));
    const reaped = await this.reapExpiredLeases(now);
    await this.drainUnblocks();
    await this.schedules.runDue(now);
    const assigned = await this.scheduler.assignReady(now, limit);
    this.counts.assignments += assigned;
    this.counts.preemptionsRequested += await this.preemption.plan(now);
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
    const candidates = [this.backoff.nextAt(), this.leases.nextAt(), this.schedules.nextDeadline(), this.controls.nextDeadline(this.clock.now())].filter(
      (at): at is number => at !== undefined,
    );
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  queueState() {
    const byStage: Record<string, number> = {};
    for (const job of this.book.activeJobs()) byStage[job.stage] = (byStage[job.stage] ?? 0) + 1;
    return { ready: this.ready.size, backingOff: this.backoff.size, leases: this.leases.size, byStage };
  }

  // ---- internals ------------------------------------------------------------------------------

  private requirePool(name: string) {
    const pool = this.pools.get(name);
    if (pool === undefined) {
      throw new FleetError("NOT_FOUND", `pool '${name}' is not in the topology; pools are: ${this.pools.all().map((p) => p.definition.name).join(", ")}`);
    }
    return pool;
  }

  /** Acts on a product's gate change: put held-back jobs back, or queue the withdrawal of its
   * unaccepted assignments (pause mode drain or stop). */
  private applyGateChange(change: GateChange): void {
    if (change.release) {
      for (const id of this.controls.takeHeld(change.productId)) {
        const job = this.book.cached(id);
        if (job?.stage === "queued" && !this.backoff.has(id)) this.ready.add(job);
      }
    }
    if (change.withdraw) this.withdrawals.push({ productId: change.productId, reason: `product ${change.productId} is paused: ${change.gate.reason}` });
  }

  private assertRoutable(capabilities: readonly string[]): void {
    const caps = [...new Set(capabilities)].sort();
    if (this.pools.capableOf(caps.join(","), caps).length > 0) return;
    throw new FleetError(
      "VALIDATION",
      `no pool offers every capability (${caps.join(", ")}); pools offer: ${this.pools
        .all()
        .map((p) => `${p.definition.name} [${p.definition.capabilities.join(", ")}]`)
        .join("; ")}`,
      { field: "job.capabilities" },
    );
  }

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
    const change = this.controls.observe(previous, next, this.clock.now());
    if (change !== undefined) this.applyGateChange(change);
    for (const event of preemptionEventsOf(previous, next)) this.fleetEvents.emit(event);
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
        const held = this.controls.isHeld(next.id) && previous?.stage === "queued" && previous.budget?.usd === next.budget?.usd;
        if (!held && (previous?.stage !== "queued" || !this.ready.has(next.id) || previous.priority !== next.priority || previous.capabilities.join() !== next.capabilities.join())) {
          this.controls.forgetHeld(next.id);
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
  const { running, preempting, ...rest } = pool;
  return {
    ...rest,
    acceptLatencyAvgMs: pool.acceptLatencyCount === 0 ? undefined : pool.acceptLatencyMsSum / pool.acceptLatencyCount,
    runningJobs: running.size,
    preemptionsPending: preempting.size,
  };
}

function scopeOf(factory: FactoryPrincipal): string | undefined {
  return factory.productId === "*" ? undefined : factory.productId;
}

export { DEFAULT_WEIGHTS };
