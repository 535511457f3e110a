import type { HeartbeatAnswer } from "./coordinator-answers.js";
import type { CallResult } from "./coordinator-port.js";

export type CoordinatorCheck =
  /** The coordinator knows the token and its pool is POOL. */
  | { kind: "ok" }
  /** The coordinator refused the token, or the token belongs to another pool: exit 2. */
  | { kind: "bad-configuration"; message: string }
  /** No definite answer (coordinator unreachable or too old to name the pool): start anyway, the
   * agent's own calls retry and a wrong token is refused on the first accept. */
  | { kind: "unverified"; reason: string };

export interface CoordinatorCheckOptions {
  pool: string;
  coordinatorUrl: string;
  /** One heartbeat; its answer names the pool of the token that sent it. */
  heartbeat: () => Promise<CallResult<HeartbeatAnswer>>;
}

/**
 * The start-up check of the agent's identity against the coordinator. A pool token belongs to one
 * pool; an agent started with POOL set to another (or to no pool at all) would read the wrong
 * subscription and have every accept refused with 403, one message at a time, until it dead-letters
 * work it was never allowed to run. The first heartbeat answers who the token is, so the agent asks
 * before it receives anything.
 */
export async function checkAgainstCoordinator(options: CoordinatorCheckOptions): Promise<CoordinatorCheck> {
  const result = await options.heartbeat();
  if (!result.ok) {
    if (result.status === 401) {
      return {
        kind: "bad-configuration",
        message: `FACTORY_TOKEN was refused by the coordinator at COORDINATOR_URL=${options.coordinatorUrl} (${result.message}); set the pool's token from the credentials file`,
      };
    }
    if (result.status === 403) {
      return {
        kind: "bad-configuration",
        message: `FACTORY_TOKEN is not a pool token (${result.message}); an agent needs the token of pool '${options.pool}', not an operator key`,
      };
    }
    if (result.status === 404) {
      return {
        kind: "bad-configuration",
        message: `COORDINATOR_URL=${options.coordinatorUrl} answered 404 to the factory heartbeat; set it to the coordinator's base URL (no path)`,
      };
    }
    return { kind: "unverified", reason: `${result.code}: ${result.message}` };
  }
  const answer = result.value;
  if (answer.pool === undefined) return { kind: "unverified", reason: "the coordinator's heartbeat answer does not name the token's pool" };
  if (answer.pool !== options.pool) {
    return {
      kind: "bad-configuration",
      message: `POOL=${options.pool} is not the pool of FACTORY_TOKEN, which belongs to pool '${answer.pool}'; set POOL=${answer.pool}, or use the token of pool '${options.pool}'`,
    };
  }
  if (answer.poolInTopology === false) {
    return {
      kind: "bad-configuration",
      message: `POOL=${options.pool} is not a pool of the coordinator's topology (the token names it, but no pool of that name exists); fix the credentials file or the topology`,
    };
  }
  return { kind: "ok" };
}
