import type { JobDoc } from "../../contracts/index.js";
import type { CallResult, CoordinatorPort } from "../../factory-agent/coordinator-port.js";
import { FENCING_CODES } from "../history/operation.js";

/**
 * Planted bug "ignore-lost-lease": a coordinator port that hides fencing from the agent. Every
 * STALE_EPOCH or NOT_FOUND answer is turned into a success, so the agent believes it still holds
 * the lease and works on (and the history, recorded under it, shows it calling on after it was
 * told no).
 */
export function leaseKeepingPort(port: CoordinatorPort): CoordinatorPort {
  const jobs = new Map<string, JobDoc>();
  const kept = <T>(result: CallResult<T>, value: () => T | undefined): CallResult<T> => {
    if (result.ok || !FENCING_CODES.has(result.code)) return result;
    const pretended = value();
    return pretended === undefined ? result : { ok: true, value: pretended };
  };
  return {
    async accept(jobId, epoch, retryForMs) {
      const result = await port.accept(jobId, epoch, retryForMs);
      if (result.ok) jobs.set(jobId, result.value);
      return result;
    },
    async renew(jobId, epoch) {
      return kept(await port.renew(jobId, epoch), () => ({ jobId, leaseEpoch: epoch }));
    },
    async report(jobId, epoch, stage, checkpoint) {
      return kept(await port.report(jobId, epoch, stage, checkpoint), () => {
        const job = jobs.get(jobId);
        return job === undefined ? undefined : { ...job, stage };
      });
    },
    async release(jobId, body) {
      return kept(await port.release(jobId, body), () => ({ jobId, stage: body.outcome === "shipped" ? "shipped" : "queued", leaseEpoch: body.leaseEpoch, retries: 0 }));
    },
    heartbeat: (body) => port.heartbeat(body),
  };
}
