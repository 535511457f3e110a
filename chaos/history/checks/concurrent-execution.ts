import { FENCING_CODES, type FactoryOp } from "../operation.js";
import { type HistoryView, type Point, completionOf, invocationOf, isBefore } from "../history-view.js";
import { type Violation, violation } from "../violation.js";

interface Execution {
  agent: string;
  jobId: string;
  epoch: number;
  from: Point;
  /** Undefined: still executing when the history ends. */
  to: Point | undefined;
}

/**
 * No two agents execute the same attempt (job and epoch) at once. An agent executes from the
 * moment the coordinator accepted its accept until it invokes its release, is told it was fenced,
 * or dies. Different epochs may overlap (a stalled worker runs on until it is fenced; fencing keeps
 * its writes out), the same epoch may not: the coordinator binds each epoch to one factory.
 */
export function checkConcurrentExecution(view: HistoryView): Violation[] {
  const executions = new Map<string, Execution[]>();
  const byAgentAttempt = new Map<string, FactoryOp[]>();
  for (const op of view.factoryOps) {
    const key = `${op.actor}|${op.jobId}|${op.epoch}`;
    byAgentAttempt.set(key, [...(byAgentAttempt.get(key) ?? []), op]);
  }
  for (const ops of byAgentAttempt.values()) {
    const accept = ops.find((op) => op.kind === "accept" && op.outcome === "ok");
    const from = accept === undefined ? undefined : completionOf(accept);
    if (accept === undefined || from === undefined) continue;
    const ends: Point[] = [];
    for (const op of ops) {
      if (op.kind === "release" && isBefore(from, invocationOf(op))) ends.push(invocationOf(op));
      const done = completionOf(op);
      if (op.outcome === "fail" && FENCING_CODES.has(op.code ?? "") && done !== undefined && isBefore(from, done)) ends.push(done);
    }
    for (const fault of view.faults) {
      if (fault.actor === accept.actor && (fault.fault === "agent-kill" || fault.fault === "poison-crash") && isBefore(from, invocationOf(fault))) ends.push(invocationOf(fault));
    }
    const to = ends.reduce<Point | undefined>((earliest, p) => (earliest === undefined || isBefore(p, earliest) ? p : earliest), undefined);
    const key = `${accept.jobId}|${accept.epoch}`;
    executions.set(key, [...(executions.get(key) ?? []), { agent: accept.actor, jobId: accept.jobId, epoch: accept.epoch, from, to }]);
  }
  const violations: Violation[] = [];
  for (const list of executions.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.agent === b.agent) continue;
        const overlap = (a.to === undefined || isBefore(b.from, a.to)) && (b.to === undefined || isBefore(a.from, b.to));
        if (overlap) {
          violations.push(
            violation("concurrent-execution", `concurrent execution: agents ${a.agent} and ${b.agent} both held epoch ${a.epoch} of job ${a.jobId} (accepted at ${a.from.at} and ${b.from.at})`, a.jobId),
          );
        }
      }
    }
  }
  return violations;
}
