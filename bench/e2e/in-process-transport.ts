import { ERROR_CATALOGUE, FleetError } from "../../contracts/index.js";
import type { FactoryPrincipal } from "../../coordinator/auth/principal.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { FactoryRegistry } from "../../coordinator/service/factory-registry.js";
import type { CallValues, CoordinatorCall, CoordinatorTransport, TransportOutcome } from "../../factory-agent/coordinator-port.js";

/**
 * The agent's coordinator port in one process: each call is the coordinator method its REST route
 * calls, answered as the route would (a 4xx FleetError as its error answer, anything else as a try
 * without an answer, which the agent's real client retries).
 */
export class InProcessTransport implements CoordinatorTransport {
  constructor(
    private readonly coordinator: Coordinator,
    private readonly factories: FactoryRegistry,
    private readonly principal: FactoryPrincipal,
  ) {}

  async send<C extends CoordinatorCall>(call: C): Promise<TransportOutcome<CallValues[C["op"]]>> {
    try {
      return { answered: true, result: { ok: true, value: (await this.dispatch(call)) as CallValues[C["op"]] } };
    } catch (error) {
      if (error instanceof FleetError && ERROR_CATALOGUE[error.code].status < 500 && error.code !== "RATE_LIMITED") {
        return { answered: true, result: { ok: false, status: ERROR_CATALOGUE[error.code].status, code: error.code, message: error.message } };
      }
      return { answered: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private async dispatch(call: CoordinatorCall): Promise<CallValues[CoordinatorCall["op"]]> {
    const { coordinator, principal } = this;
    switch (call.op) {
      case "accept":
        return coordinator.accept(principal, call.jobId, call.epoch);
      case "renew": {
        const job = await coordinator.renew(principal, call.jobId, call.epoch);
        return { jobId: job.id, leaseEpoch: job.leaseEpoch, ...(job.lease?.expiresAt === undefined ? {} : { expiresAt: job.lease.expiresAt }), ...coordinator.leaseDirectives(job) };
      }
      case "report":
        return coordinator.report(principal, call.jobId, { stage: call.stage, leaseEpoch: call.epoch, ...(call.checkpoint === undefined ? {} : { checkpoint: call.checkpoint }) });
      case "release": {
        const job = await coordinator.release(principal, call.jobId, call.body);
        return { jobId: job.id, stage: job.stage, leaseEpoch: job.leaseEpoch, retries: job.retries };
      }
      case "heartbeat": {
        const answer = await this.factories.heartbeat(principal, call.body);
        return { ...answer, pool: principal.pool, poolInTopology: coordinator.poolView(principal.pool) !== undefined, ...coordinator.heartbeatDirectives(principal.pool) };
      }
    }
  }
}
