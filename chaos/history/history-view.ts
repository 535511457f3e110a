import { RUNNING_STAGES, type Stage, isTerminal } from "../../contracts/index.js";
import type { CommitOp, ControlOp, DeliverOp, EngineStartOp, FactoryOp, FaultOp, Operation, PublishOp, ScheduleOp, SpendReadingOp, SubmitOp } from "./operation.js";

/** Where an operation's invocation and completion fall in the history: time first, then place
 * (many things happen at one virtual instant; live, the times of operations read back from the
 * store interleave them with the ones recorded as they happened). */
export interface Point {
  at: number;
  seq: number;
}

export function invocationOf(op: Operation): Point {
  return { at: op.invokedAt, seq: op.id };
}

export function completionOf(op: Operation): Point | undefined {
  return op.completedAt === undefined || op.completedSeq === undefined ? undefined : { at: op.completedAt, seq: op.completedSeq };
}

export function isBefore(a: Point, b: Point): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const REPLAY_REASON = /replayed from dead letters/;

/** Indexes over one history, built once and shared by every check. */
export class HistoryView {
  readonly submits: SubmitOp[] = [];
  readonly publishes: PublishOp[] = [];
  readonly deliveries: DeliverOp[] = [];
  readonly factoryOps: FactoryOp[] = [];
  readonly faults: FaultOp[] = [];
  /** Every commit of a job, in the order the store applied them. */
  readonly commitsByJob = new Map<string, CommitOp[]>();
  /** Every write of a product's or pool's controls, by `scope:name`, in order. */
  readonly controls = new Map<string, ControlOp[]>();
  /** Every write of a schedule, by `productId/name`, in order (its deletion last). */
  readonly schedules = new Map<string, ScheduleOp[]>();
  readonly spendReadings: SpendReadingOp[] = [];
  readonly engineStarts: EngineStartOp[] = [];
  readonly ops: readonly Operation[];

  constructor(ops: readonly Operation[]) {
    this.ops = ops;
    for (const op of ops) {
      switch (op.kind) {
        case "submit":
          this.submits.push(op);
          break;
        case "publish":
          this.publishes.push(op);
          break;
        case "deliver":
          this.deliveries.push(op);
          break;
        case "accept":
        case "renew":
        case "report":
        case "release":
          this.factoryOps.push(op);
          break;
        case "fault":
          this.faults.push(op);
          break;
        case "commit":
          push(this.commitsByJob, op.jobId, op);
          break;
        case "control":
          push(this.controls, `${op.scope}:${op.name}`, op);
          break;
        case "schedule":
          push(this.schedules, `${op.productId}/${op.name}`, op);
          break;
        case "spend-reading":
          this.spendReadings.push(op);
          break;
        case "engine-start":
          this.engineStarts.push(op);
          break;
        default:
          break;
      }
    }
  }

  has(kind: Operation["kind"]): boolean {
    return this.ops.some((op) => op.kind === kind);
  }

  commitsOf(jobId: string): readonly CommitOp[] {
    return this.commitsByJob.get(jobId) ?? [];
  }

  /** The job's last committed state strictly before `point`. */
  stateBefore(jobId: string, point: Point): CommitOp | undefined {
    let last: CommitOp | undefined;
    for (const commit of this.commitsOf(jobId)) {
      if (!isBefore(invocationOf(commit), point)) break;
      last = commit;
    }
    return last;
  }

  /** Job ids the client submitted as poison (every attempt crashes its worker). */
  poisonJobs(): Set<string> {
    const ids = new Set<string>();
    for (const submit of this.submits) if (submit.poison && submit.jobId !== undefined) ids.add(submit.jobId);
    const poisonKeys = new Set(this.submits.filter((s) => s.poison).map((s) => s.key));
    for (const [jobId, commits] of this.commitsByJob) if (commits[0] !== undefined && poisonKeys.has(commits[0].key)) ids.add(jobId);
    return ids;
  }

  /** A commit that replays a job from the dead letters: requeued by an operator as a replay (from
   * whatever stage it was in: a replay of a job that is no longer a dead letter is one too many). */
  static isReplay(commit: CommitOp): boolean {
    return commit.stage === "queued" && commit.from !== "queued" && commit.eventActor === "operator" && REPLAY_REASON.test(commit.reason ?? "");
  }

  /** The job's commits cut into lives: a replay starts a new life. */
  livesOf(jobId: string): CommitOp[][] {
    const lives: CommitOp[][] = [[]];
    for (const commit of this.commitsOf(jobId)) {
      if (HistoryView.isReplay(commit)) lives.push([]);
      lives[lives.length - 1]!.push(commit);
    }
    return lives;
  }

  /** The last write of a product's (`scope` product) or pool's controls strictly before `point`. */
  controlBefore(scope: ControlOp["scope"], name: string, point: Point): ControlOp | undefined {
    let last: ControlOp | undefined;
    for (const op of this.controls.get(`${scope}:${name}`) ?? []) {
      if (!isBefore(invocationOf(op), point)) break;
      last = op;
    }
    return last;
  }

  /**
   * The commit a release try took effect with, if it did: the first write of its job inside the
   * try (after its invocation, before its completion) that took the job out of a running stage
   * of the try's epoch. A retried release that found the run already ended has none.
   */
  effectOf(release: FactoryOp): CommitOp | undefined {
    const done = completionOf(release);
    const start = invocationOf(release);
    for (const commit of this.commitsOf(release.jobId)) {
      const at = invocationOf(commit);
      if (!isBefore(start, at)) continue;
      if (done !== undefined && !isBefore(at, done)) break;
      if (commit.from === undefined || !RUNNING_STAGES.has(commit.from) || RUNNING_STAGES.has(commit.stage)) continue;
      if (this.stateBefore(release.jobId, at)?.epoch === release.epoch) return commit;
    }
    return undefined;
  }

  /** Every release try that took effect, with the commit it took effect with. */
  effectiveReleases(): { release: FactoryOp; effect: CommitOp }[] {
    const found: { release: FactoryOp; effect: CommitOp }[] = [];
    for (const op of this.factoryOps) {
      if (op.kind !== "release") continue;
      const effect = this.effectOf(op);
      if (effect !== undefined) found.push({ release: op, effect });
    }
    return found;
  }

  /** A commit that assigns the job (a fresh epoch handed to a pool). */
  static isAssignment(commit: CommitOp): boolean {
    return commit.stage === "assigned" && commit.from !== "assigned";
  }

  static enteredTerminal(commit: CommitOp): boolean {
    return isTerminal(commit.stage) && (commit.from === undefined || !isTerminal(commit.from));
  }

  finalStage(jobId: string): Stage | undefined {
    return this.commitsOf(jobId).at(-1)?.stage;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
