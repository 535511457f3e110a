import { createHash } from "node:crypto";
import type { Operation, Outcome } from "./operation.js";

/** An operation as the caller describes it at invocation: the recorder adds id, time and outcome. */
export type Invocation = Operation extends infer O ? (O extends Operation ? Omit<O, "id" | "invokedAt" | "completedAt" | "completedSeq" | "outcome" | "code"> : never) : never;

/** What a caller learns when an operation completes: an error code, or the id of a submitted job. */
export interface CompletionFacts {
  code?: string;
  jobId?: string;
}

/**
 * The recorded history of one run: every operation with its invocation and completion, in the
 * order they happened (Jepsen's model: a checker judges the history after the run, not the final
 * state). Shared by the simulator and the live scenarios. In the simulator the order is exact and
 * replayable (the hash is the determinism check); live, operations read back from the store after
 * the run carry their own times.
 */
export class History {
  private readonly ops: Operation[] = [];
  private seq = 0;

  constructor(private readonly now: () => number) {}

  get operations(): readonly Operation[] {
    return this.ops;
  }

  invoke(invocation: Invocation, at = this.now()): Operation {
    const op: Operation = { ...invocation, id: ++this.seq, invokedAt: at };
    this.ops.push(op);
    return op;
  }

  complete(op: Operation, outcome: Outcome, facts: CompletionFacts = {}, at = this.now()): void {
    if (op.outcome !== undefined) throw new Error(`operation ${op.id} (${op.kind}) completed twice`);
    if (facts.jobId !== undefined && op.kind === "submit") op.jobId = facts.jobId;
    if (facts.code !== undefined) op.code = facts.code;
    op.outcome = outcome;
    op.completedAt = at;
    op.completedSeq = ++this.seq;
  }

  /** An operation that completes as it is invoked (a commit, a fault, a delivery). */
  instant(invocation: Invocation, at = this.now()): Operation {
    const op = this.invoke(invocation, at);
    this.complete(op, "ok", {}, at);
    return op;
  }

  /** sha256 of the whole history: the same seed and commit must give the same hash. */
  hash(): string {
    return createHash("sha256").update(JSON.stringify(this.ops)).digest("hex");
  }
}
