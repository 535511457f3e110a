import { type JobDoc, JobSpec } from "../../contracts/index.js";
import { contentHashOf, deriveJobId } from "../../coordinator/jobs/job-identity.js";
import { newJobDoc } from "../../coordinator/jobs/new-job.js";

/** A valid queued job document for pure tests. */
export function queuedJob(overrides: Partial<JobDoc> = {}, now = 1_000_000): JobDoc {
  const spec = JobSpec.parse({ idempotencyKey: "k1", bodyMd: "do it", capabilities: ["lang:ts"] });
  const job = newJobDoc(spec, {
    id: deriveJobId("acme", "k1"),
    productId: "acme",
    idempotencyKey: "k1",
    contentHash: contentHashOf(spec),
    kind: "leaf",
    depIds: [],
    ready: true,
    now,
  });
  return { ...job, ...overrides };
}
