import { FleetError, keyBelongsTo, type ArtifactPointer, type JobDoc, type ReportedArtifact } from "../../contracts/index.js";
import { updateRun } from "./runs.js";

/**
 * Pointers a factory reports at release must stay inside its own attempt: a key under
 * `<productId>/<jobId>/<epoch>/` (contracts/artifact.ts) and an id naming the same job and epoch.
 * Anything else is refused, so a factory can never make the coordinator serve another product's,
 * job's or attempt's bytes. Pointers without a key (an engine's own URL) pass unchanged.
 */
export function assertOwnArtifacts(job: JobDoc, epoch: number, artifacts: readonly ReportedArtifact[] | undefined): void {
  for (const [index, artifact] of (artifacts ?? []).entries()) {
    if (artifact.key !== undefined && !keyBelongsTo(artifact.key, job.productId, job.id, epoch)) {
      throw new FleetError("VALIDATION", `artifacts.${index}.key '${artifact.key}' is outside this attempt's folder ${job.productId}/${job.id}/${epoch}/`, {
        fields: [{ field: `artifacts.${index}.key`, message: "must be under the attempt's own folder" }],
      });
    }
    if (artifact.id !== undefined && !artifact.id.startsWith(`${job.id}:${epoch}:`)) {
      throw new FleetError("VALIDATION", `artifacts.${index}.id '${artifact.id}' does not name this attempt (${job.id}:${epoch}:...)`, {
        fields: [{ field: `artifacts.${index}.id`, message: "must name this job and epoch" }],
      });
    }
  }
}

/**
 * Marks artifacts deleted on the job (the bytes are gone; the pointers stay, for the record).
 * `keys` are store keys; pointers already marked keep their first deletion. Returns the job
 * unchanged (same object) when nothing matched, so a repeated sweep writes nothing. `adopt` is a
 * pointer the run never recorded (the log of an attempt that never released): it is added to the
 * run, deleted, so the record shows what was removed.
 */
export function markArtifactsDeleted(job: JobDoc, keys: ReadonlySet<string>, by: string, now: number, adopt?: { epoch: number; pointer: ArtifactPointer }): JobDoc {
  let next = job;
  if (adopt !== undefined && adopt.pointer.key !== undefined && keyBelongsTo(adopt.pointer.key, job.productId, job.id, adopt.epoch)) {
    const run = job.runs.find((r) => r.epoch === adopt.epoch);
    if (run !== undefined && !(run.artifacts ?? []).some((a) => a.key === adopt.pointer.key) && (run.artifacts?.length ?? 0) < 50) {
      next = updateRun(next, adopt.epoch, (current) => ({ ...current, artifacts: [...(current.artifacts ?? []), { ...adopt.pointer, deletedAt: now, deletedBy: by }] }));
    }
  }
  for (const run of job.runs) {
    const hits = (run.artifacts ?? []).some((a) => a.key !== undefined && keys.has(a.key) && a.deletedAt === undefined);
    if (!hits) continue;
    next = updateRun(next, run.epoch, (current) => ({
      ...current,
      artifacts: (current.artifacts ?? []).map((a): ArtifactPointer => (a.key !== undefined && keys.has(a.key) && a.deletedAt === undefined ? { ...a, deletedAt: now, deletedBy: by } : a)),
    }));
  }
  return next === job ? job : { ...next, updatedAt: now };
}
