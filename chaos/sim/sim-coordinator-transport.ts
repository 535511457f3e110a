import { ERROR_CATALOGUE, FleetError, type HeartbeatBody, type JobDoc } from "../../contracts/index.js";
import type { FactoryPrincipal } from "../../coordinator/auth/principal.js";
import { toMicroUsd } from "../../coordinator/lifecycle/run-cost.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { CallValues, CoordinatorCall, CoordinatorTransport, TransportOutcome } from "../../factory-agent/coordinator-port.js";
import { FENCING_CODES, type Operation } from "../history/operation.js";
import type { SimProcess } from "./sim-process.js";
import type { SimWorld } from "./sim-world.js";

/**
 * The coordinator port of one simulated agent, in-process: each try calls the coordinator's own
 * methods (what the REST routes call), and answers as the API would: a FleetError of a 4xx becomes
 * its error answer, a store failure (the API's 503) or a crashed coordinator (connection refused)
 * a try without an answer, which the agent's real client retries. Every try is recorded in the
 * history with its outcome: ok, fail (answered no, or refused before anything happened), or
 * unknown (a 503 after a store timeout may have applied).
 */
export class SimCoordinatorTransport implements CoordinatorTransport {
  private readonly principal: FactoryPrincipal;
  /** The agent's client hands the same call object to every try of one call: that links the tries. */
  private readonly calls = new WeakMap<CoordinatorCall, number>();
  private nextCall = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly process: SimProcess,
    private readonly onAccepted: (job: JobDoc) => void,
  ) {
    this.principal = { kind: "factory", credentialId: "sim", productId: "*", pool: "general", factoryId: process.id };
  }

  async send<C extends CoordinatorCall>(call: C): Promise<TransportOutcome<CallValues[C["op"]]>> {
    await this.process.gate();
    const op = call.op === "heartbeat" ? undefined : this.world.history.invoke({ kind: call.op, actor: this.process.id, jobId: call.jobId, call: this.callOf(call), ...epochAndDetail(call) });
    const coordinator = this.world.coordinator.current;
    if (coordinator === undefined) {
      this.complete(op, "fail", "UNREACHABLE");
      return { answered: false, reason: "connect ECONNREFUSED (the coordinator is down)" };
    }
    try {
      const value = await this.dispatch(coordinator, call);
      this.complete(op, "ok");
      return { answered: true, result: { ok: true, value } };
    } catch (error) {
      if (error instanceof FleetError && ERROR_CATALOGUE[error.code].status < 500 && error.code !== "RATE_LIMITED") {
        this.complete(op, "fail", error.code);
        return { answered: true, result: { ok: false, status: ERROR_CATALOGUE[error.code].status, code: error.code, message: error.message } };
      }
      this.complete(op, "unknown", error instanceof FleetError ? error.code : "STORE_UNAVAILABLE");
      return { answered: false, reason: `HTTP 503: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private callOf(call: CoordinatorCall): number {
    let id = this.calls.get(call);
    if (id === undefined) {
      id = ++this.nextCall;
      this.calls.set(call, id);
    }
    return id;
  }

  private complete(op: Operation | undefined, outcome: "ok" | "fail" | "unknown", code?: string): void {
    if (op !== undefined) this.world.history.complete(op, outcome, code === undefined ? {} : { code });
  }

  private async dispatch<C extends CoordinatorCall>(coordinator: Coordinator, call: C): Promise<CallValues[C["op"]]>;
  private async dispatch(coordinator: Coordinator, call: CoordinatorCall): Promise<CallValues[CoordinatorCall["op"]]> {
    const factory = this.principal;
    switch (call.op) {
      case "accept": {
        const job = await coordinator.accept(factory, call.jobId, call.epoch).catch((error: unknown) => {
          // Planted bug: a second factory is let into an epoch already bound to another.
          if (this.world.bug === "double-accept" && error instanceof FleetError && error.code === "LEASE_TAKEN") return coordinator.getJob(undefined, call.jobId);
          throw error;
        });
        this.onAccepted(job);
        return job;
      }
      case "renew": {
        const job = await coordinator.renew(factory, call.jobId, call.epoch).catch((error: unknown) => this.unfenced(error, () => coordinator.getJob(undefined, call.jobId)));
        // As the renew route answers: the lease, and what its holder is told (stop, drain).
        return { jobId: job.id, leaseEpoch: job.leaseEpoch, ...(job.lease?.expiresAt === undefined ? {} : { expiresAt: job.lease.expiresAt }), ...coordinator.leaseDirectives(job) };
      }
      case "report":
        return coordinator
          .report(factory, call.jobId, { stage: call.stage, leaseEpoch: call.epoch, ...(call.checkpoint === undefined ? {} : { checkpoint: call.checkpoint }) })
          .catch((error: unknown) => this.unfenced(error, () => coordinator.getJob(undefined, call.jobId)));
      case "release": {
        const job = await coordinator.release(factory, call.jobId, call.body).catch((error: unknown) =>
          this.unfenced(error, () => (call.body.outcome === "shipped" ? this.forceShipped(coordinator, call.jobId) : coordinator.getJob(undefined, call.jobId))),
        );
        return { jobId: job.id, stage: job.stage, leaseEpoch: job.leaseEpoch, retries: job.retries };
      }
      case "heartbeat":
        return this.heartbeat(coordinator, call.body);
    }
  }

  /** What the heartbeat route answers: the registry's record, the token's pool, directives. */
  private async heartbeat(coordinator: Coordinator, body: HeartbeatBody): Promise<CallValues["heartbeat"]> {
    const factories = this.world.coordinator.factories;
    if (factories === undefined) throw new FleetError("STORE_UNAVAILABLE", "the coordinator is starting");
    const answer = await factories.heartbeat(this.principal, body);
    return { ...answer, pool: this.principal.pool, poolInTopology: coordinator.poolView(this.principal.pool) !== undefined, ...coordinator.heartbeatDirectives(this.principal.pool) };
  }

  /** Planted bug "fencing-disabled": a call fencing rejects is answered as accepted instead; a
   * zombie's shipped release is forced into the store (the write the checker must see as stale). */
  private unfenced(error: unknown, instead: () => Promise<JobDoc>): Promise<JobDoc> {
    if (this.world.bug === "fencing-disabled" && error instanceof FleetError && FENCING_CODES.has(error.code)) return instead();
    throw error;
  }

  /** Planted bug "fencing-disabled": the zombie's result goes in (as an operator's ship would). */
  private forceShipped(coordinator: Coordinator, jobId: string): Promise<JobDoc> {
    return coordinator.action(undefined, jobId, "ship", "forced by a fenced worker");
  }
}

function epochAndDetail(call: Exclude<CoordinatorCall, { op: "heartbeat" }>): { epoch: number; detail?: string; costMicro?: number; checkpoint?: string } {
  if (call.op === "release") {
    const { body } = call;
    return {
      epoch: body.leaseEpoch,
      detail: body.outcome,
      ...(body.insights?.costUsd === undefined ? {} : { costMicro: toMicroUsd(body.insights.costUsd) }),
      ...(body.checkpoint === undefined ? {} : { checkpoint: body.checkpoint.ref }),
    };
  }
  if (call.op === "report") return { epoch: call.epoch, detail: call.stage };
  return { epoch: call.epoch };
}
