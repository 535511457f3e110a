import { type Stage, isTerminal } from "../../contracts/index.js";
import type { CommitOp, DeliverOp, FactoryOp, FaultOp, Operation, PublishOp, SubmitOp } from "./operation.js";

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
        case "commit": {
          const list = this.commitsByJob.get(op.jobId) ?? [];
          list.push(op);
          this.commitsByJob.set(op.jobId, list);
          break;
        }
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

  static enteredTerminal(commit: CommitOp): boolean {
    return isTerminal(commit.stage) && (commit.from === undefined || !isTerminal(commit.from));
  }

  finalStage(jobId: string): Stage | undefined {
    return this.commitsOf(jobId).at(-1)?.stage;
  }
}
