import type { ReleaseLeaseBody } from "../contracts/index.js";
import type { EngineOutcome } from "./engines/port.js";

/** What a release records of an outcome beyond its kind: the deliverable the engine reported and
 * its artifacts' pointers (a drained attempt's too: its log tells why it stopped). */
export function outcomeRecord(outcome: EngineOutcome): Pick<ReleaseLeaseBody, "branch" | "commit" | "prUrl" | "artifacts"> {
  if (outcome.kind === "later") return {};
  const deliverable = outcome.deliverable ?? {};
  return {
    ...(deliverable.branch === undefined ? {} : { branch: deliverable.branch }),
    ...(deliverable.commit === undefined ? {} : { commit: deliverable.commit }),
    ...(deliverable.prUrl === undefined ? {} : { prUrl: deliverable.prUrl }),
    ...(outcome.artifacts === undefined ? {} : { artifacts: outcome.artifacts }),
  };
}
