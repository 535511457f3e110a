import { AssignmentMessage, ERROR_CATALOGUE, type ErrorCode, isFleetError } from "../../contracts/index.js";
import type { BrokerPort, BrokerReceiver, ReceivedMessage } from "../../broker/port.js";
import type { FactoryPrincipal } from "../../coordinator/auth/principal.js";
import type { History } from "../history/history.js";
import type { Outcome } from "../history/operation.js";
import type { CallOutcome, SimCluster } from "./sim-cluster.js";
import type { VirtualTime } from "./virtual-time.js";

export interface SimWorkersOptions {
  time: VirtualTime;
  cluster: SimCluster;
  broker: BrokerPort;
  topic: string;
  subscription: string;
  pool: string;
  productId: string;
  history: History;
  random: () => number;
  count: number;
  leaseMs: number;
  /** How long a job runs, at least and at most. */
  runMs: [number, number];
}

/** Whether a failed call got an answer (a refusal: 4xx) or none (retry it). */
function verdict<T>(outcome: CallOutcome<T>): { outcome: Outcome; code?: string; answered: boolean } {
  if (outcome.ok) return { outcome: "ok", answered: true };
  const error = outcome.error;
  if (isFleetError(error) && ERROR_CATALOGUE[error.code as ErrorCode].status < 500 && error.code !== "RATE_LIMITED") return { outcome: "fail", code: error.code, answered: true };
  return { outcome: outcome.reason === "unknown" ? "unknown" : "fail", code: "UNREACHABLE", answered: false };
}

/**
 * The factories of the leadership model, speaking the agent's protocol through the cluster (each
 * call lands on some replica and reaches the leader, or does not): take an assignment, accept its
 * epoch (retrying calls without an answer until the accept deadline), settle the message, run,
 * renew every third of the lease, release shipped. A refusal (stale epoch, taken, not found) drops
 * the attempt. Every call is recorded in the history with its outcome.
 */
export class SimWorkers {
  private readonly receivers: BrokerReceiver[] = [];
  readonly counts = { accepted: 0, shipped: 0, fenced: 0, retries: 0 };

  constructor(private readonly options: SimWorkersOptions) {}

  start(): void {
    for (let i = 1; i <= this.options.count; i++) {
      const receiver = this.options.broker.openReceiver({ topic: this.options.topic, subscription: this.options.subscription });
      this.receivers.push(receiver);
      const principal: FactoryPrincipal = { kind: "factory", credentialId: `pool-${this.options.pool}`, productId: this.options.productId, pool: this.options.pool, factoryId: `factory-${i}` };
      this.options.time.after(100 * i, () => this.poll(principal, receiver));
    }
  }

  async close(): Promise<void> {
    for (const receiver of this.receivers) await receiver.close();
  }

  private async poll(factory: FactoryPrincipal, receiver: BrokerReceiver): Promise<void> {
    const [message] = await receiver.receive(1, 0).catch(() => [] as ReceivedMessage[]);
    if (message === undefined) {
      this.options.time.after(200, () => this.poll(factory, receiver));
      return;
    }
    const parsed = AssignmentMessage.safeParse(message.body);
    if (!parsed.success) {
      await receiver.deadLetter(message, "InvalidAssignment").catch(() => undefined);
      this.options.time.after(0, () => this.poll(factory, receiver));
      return;
    }
    await this.accept(factory, receiver, message, parsed.data);
  }

  private async accept(factory: FactoryPrincipal, receiver: BrokerReceiver, message: ReceivedMessage, assignment: AssignmentMessage): Promise<void> {
    const { time, history, cluster } = this.options;
    const op = history.invoke({ kind: "accept", actor: factory.factoryId, jobId: assignment.jobId, epoch: assignment.epoch });
    const outcome = await cluster.call((c) => c.accept(factory, assignment.jobId, assignment.epoch));
    const { outcome: result, code, answered } = verdict(outcome);
    history.complete(op, result, code === undefined ? {} : { code });
    if (!answered && time.now() < assignment.acceptBy) {
      this.counts.retries++;
      await receiver.renewLock(message).catch(() => undefined);
      time.after(300, () => this.accept(factory, receiver, message, assignment));
      return;
    }
    await receiver.complete(message).catch(() => undefined);
    if (!outcome.ok) {
      if (answered) this.counts.fenced++;
      time.after(0, () => this.poll(factory, receiver));
      return;
    }
    this.counts.accepted++;
    const [min, max] = this.options.runMs;
    const endAt = time.now() + min + Math.floor(this.options.random() * (max - min));
    this.run(factory, receiver, assignment, endAt);
  }

  /** Renews until the work is done, then releases; a refusal fences the attempt out. */
  private run(factory: FactoryPrincipal, receiver: BrokerReceiver, assignment: AssignmentMessage, endAt: number): void {
    const { time, history, cluster, leaseMs } = this.options;
    const renewEvery = Math.floor(leaseMs / 3);
    const next = Math.min(endAt, time.now() + renewEvery);
    time.at(next, async () => {
      if (time.now() < endAt) {
        const op = history.invoke({ kind: "renew", actor: factory.factoryId, jobId: assignment.jobId, epoch: assignment.epoch });
        const outcome = await cluster.call((c) => c.renew(factory, assignment.jobId, assignment.epoch));
        const { outcome: result, code, answered } = verdict(outcome);
        history.complete(op, result, code === undefined ? {} : { code });
        if (!outcome.ok && answered) {
          this.counts.fenced++;
          time.after(0, () => this.poll(factory, receiver));
          return;
        }
        this.run(factory, receiver, assignment, endAt);
        return;
      }
      await this.release(factory, receiver, assignment, 1);
    });
  }

  private async release(factory: FactoryPrincipal, receiver: BrokerReceiver, assignment: AssignmentMessage, attempt: number): Promise<void> {
    const { time, history, cluster } = this.options;
    const op = history.invoke({ kind: "release", actor: factory.factoryId, jobId: assignment.jobId, epoch: assignment.epoch, detail: "shipped" });
    const outcome = await cluster.call((c) => c.release(factory, assignment.jobId, { leaseEpoch: assignment.epoch, outcome: "shipped" }));
    const { outcome: result, code, answered } = verdict(outcome);
    history.complete(op, result, code === undefined ? {} : { code });
    if (!answered && attempt < 30) {
      time.after(300 * Math.min(attempt, 5), () => this.release(factory, receiver, assignment, attempt + 1));
      return;
    }
    if (outcome.ok) this.counts.shipped++;
    else if (answered) this.counts.fenced++;
    time.after(0, () => this.poll(factory, receiver));
  }
}
