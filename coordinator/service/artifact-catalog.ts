import type { Readable } from "node:stream";
import {
  type ArtifactListResponse,
  type ArtifactPointer,
  type ArtifactView,
  attemptLogKey,
  type Clock,
  FleetError,
  isoTime,
  type JobDoc,
  keyBelongsTo,
  type LogChunkResponse,
  parseArtifactId,
  type Run,
  artifactIdOf,
} from "../../contracts/index.js";
import { type ArtifactStorePort, isArtifactError, readAll } from "../../artifacts/port.js";
import { runOfEpoch } from "../lifecycle/runs.js";

/** What the catalog needs of the coordinator: product-scoped reads and the one write that marks pointers. */
export interface ArtifactJobs {
  getJob(productScope: string | undefined, id: string): Promise<JobDoc>;
  markArtifactsDeleted(productScope: string | undefined, id: string, keys: ReadonlySet<string>, by: string, adopt?: { epoch: number; pointer: ArtifactPointer }): Promise<JobDoc>;
}

export interface ArtifactCatalogOptions {
  jobs: ArtifactJobs;
  /** Undefined: no artifact store on this coordinator (pointers are still listed). */
  store: ArtifactStorePort | undefined;
  clock: Clock;
  /** Artifacts older than this many days are deleted by `sweep`; undefined: kept until deleted. */
  retentionDays?: number;
  /** Lifetime of a signed download link. */
  linkSeconds?: number;
  /** At most this many blobs deleted per sweep, so one pass never holds the loop for long. */
  sweepLimit?: number;
}

const DAY_MS = 86_400_000;
const NOT_CONFIGURED =
  "this coordinator has no artifact store: set ARTIFACTS_CONNECTION_STRING (Azurite, an account key) or ARTIFACTS_ACCOUNT_URL (managed identity) and restart it";

interface Resolved {
  job: JobDoc;
  run: Run;
  id: string;
  pointer: ArtifactPointer | undefined;
  key: string;
}

/**
 * Artifacts as operators see them: the pointers on a job's runs (the job document keeps pointers
 * only) joined with the artifact store that holds the bytes. Every read is scoped by the caller's
 * product (through the job) and by the attempt's folder (keyBelongsTo), so a pointer can never
 * lead to another product's, job's or attempt's bytes. An attempt's log is found by its
 * well-known key even before its pointer is recorded (at release): that is the live log.
 */
export class ArtifactCatalog {
  constructor(private readonly options: ArtifactCatalogOptions) {}

  get retentionDays(): number | undefined {
    return this.options.retentionDays;
  }

  async list(productScope: string | undefined, jobId: string): Promise<ArtifactListResponse> {
    const job = await this.options.jobs.getJob(productScope, jobId);
    const items: ArtifactView[] = [];
    for (const run of job.runs) {
      const pointers = run.artifacts ?? [];
      for (const [index, pointer] of pointers.entries()) items.push(this.viewOf(job, run, pointer, pointer.id ?? `${job.id}:${run.epoch}:external-${index + 1}`));
      if (!pointers.some((pointer) => pointer.kind === "log")) {
        const derived = await this.derivedLog(job, run);
        if (derived !== undefined) items.push(derived);
      }
    }
    return { items, retentionDays: this.options.retentionDays ?? null };
  }

  /** The bytes of one artifact, streamed from the store. */
  async open(productScope: string | undefined, artifactId: string): Promise<{ body: Readable; bytes: number; contentType: string; name: string }> {
    const target = await this.resolve(productScope, artifactId);
    if (target.pointer?.deletedAt !== undefined) throw deletedError(target.id, target.pointer);
    const read = await this.guard(() => this.store().read(target.key), `reading ${target.id}`);
    if (read === undefined) throw new FleetError("NOT_FOUND", `artifact ${target.id} has no bytes in the artifact store (never uploaded, expired or deleted)`, undefined, { hint: false });
    return { body: read.body, bytes: read.bytes, contentType: read.contentType, name: target.pointer?.name ?? "attempt.log" };
  }

  /** A short-lived read-only URL for one artifact, where the store can sign one. */
  async link(productScope: string | undefined, artifactId: string): Promise<{ url: string; expiresAt: string; kind: "user-delegation" | "service" }> {
    const target = await this.resolve(productScope, artifactId);
    if (target.pointer?.deletedAt !== undefined) throw deletedError(target.id, target.pointer);
    const store = this.store();
    if ((await this.guard(() => store.stat(target.key), `reading ${target.id}`)) === undefined) {
      throw new FleetError("NOT_FOUND", `artifact ${target.id} has no bytes in the artifact store (never uploaded, expired or deleted)`, undefined, { hint: false });
    }
    const now = this.options.clock.now();
    const signed = await this.guard(() => store.link(target.key, { expiresInSeconds: this.options.linkSeconds ?? 300, now, downloadName: target.pointer?.name ?? "attempt.log" }), `signing ${target.id}`);
    if (signed === undefined) {
      throw new FleetError("ARTIFACTS_UNAVAILABLE", `this artifact store cannot sign download links: download artifact ${target.id} through GET /fleet/artifacts/${target.id}`, undefined, { hint: false });
    }
    return { url: signed.url, expiresAt: isoTime(signed.expiresAt), kind: signed.kind };
  }

  /** Deletes the bytes and marks the pointer (it stays on the job, for the record). Idempotent. */
  async remove(productScope: string | undefined, artifactId: string, by: string): Promise<ArtifactView> {
    const target = await this.resolve(productScope, artifactId);
    if (target.pointer?.deletedAt === undefined) await this.guard(() => this.store().delete(target.key), `deleting ${target.id}`);
    // A log the run never recorded (the attempt did not release) is recorded now, as deleted.
    const adopt =
      target.pointer === undefined
        ? { epoch: target.run.epoch, pointer: { id: target.id, name: "attempt.log", uri: this.store().uriOf(target.key), kind: "log" as const, key: target.key, contentType: "text/plain; charset=utf-8" } }
        : undefined;
    const job = await this.options.jobs.markArtifactsDeleted(productScope, target.job.id, new Set([target.key]), by, adopt);
    const run = runOfEpoch(job, target.run.epoch) ?? target.run;
    const pointer = run.artifacts?.find((a) => a.key === target.key) ?? { ...adopt!.pointer, deletedAt: this.options.clock.now(), deletedBy: by };
    return this.viewOf(job, run, pointer, target.id);
  }

  /**
   * A piece of an attempt's log from `offset`: what the console polls while the attempt runs.
   * The text never ends inside a UTF-8 character (nextOffset stops before it).
   */
  async log(productScope: string | undefined, jobId: string, epoch: number, offset: number, limit: number): Promise<LogChunkResponse> {
    const job = await this.options.jobs.getJob(productScope, jobId);
    const run = runOfEpoch(job, epoch);
    if (run === undefined) throw new FleetError("NOT_FOUND", `job ${jobId} has no attempt with epoch ${epoch}; its runs are ${job.runs.map((r) => r.epoch).join(", ") || "none yet"}`);
    const id = artifactIdOf(job.id, epoch, "log");
    const pointer = run.artifacts?.find((a) => a.kind === "log");
    if (pointer?.deletedAt !== undefined) throw deletedError(id, pointer);
    const key = pointer?.key ?? attemptLogKey(job.productId, job.id, epoch);
    const live = run.endedAt === undefined;
    const read = await this.guard(() => this.store().read(key, { offset, length: limit }), `reading the log of attempt ${epoch}`);
    if (read === undefined) return { artifactId: id, jobId: job.id, epoch, offset, nextOffset: offset, size: 0, text: "", live };
    const bytes = await readAll(read.body);
    const whole = completeUtf8(bytes);
    return { artifactId: id, jobId: job.id, epoch, offset: read.offset, nextOffset: read.offset + whole.length, size: read.bytes, text: whole.toString("utf8"), live };
  }

  /**
   * The retention: deletes every blob last written more than `retentionDays` ago and marks its
   * pointer (one write per job). Idempotent; at most `sweepLimit` blobs per pass. In Azure the
   * storage account's lifecycle rule deletes the same blobs (infra/bicep/modules/storage.bicep),
   * usually first: the listing then shows their pointers as expired, from their upload time.
   */
  async sweep(): Promise<{ deleted: number; jobs: number }> {
    const days = this.options.retentionDays;
    const store = this.options.store;
    if (days === undefined || store === undefined) return { deleted: 0, jobs: 0 };
    const cutoff = this.options.clock.now() - days * DAY_MS;
    const limit = this.options.sweepLimit ?? 1000;
    const byJob = new Map<string, { productId: string; keys: Set<string> }>();
    let deleted = 0;
    for await (const item of store.list("")) {
      if (item.modifiedAt >= cutoff) continue;
      await store.delete(item.key);
      deleted++;
      const [productId, jobId] = item.key.split("/");
      if (productId !== undefined && jobId !== undefined) {
        const entry = byJob.get(jobId) ?? { productId, keys: new Set<string>() };
        entry.keys.add(item.key);
        byJob.set(jobId, entry);
      }
      if (deleted >= limit) break;
    }
    for (const [jobId, entry] of byJob) {
      try {
        await this.options.jobs.markArtifactsDeleted(entry.productId, jobId, entry.keys, "retention");
      } catch (error) {
        // A job that no longer exists keeps no pointers to mark.
        if (!(error instanceof FleetError && error.code === "NOT_FOUND")) throw error;
      }
    }
    return { deleted, jobs: byJob.size };
  }

  private async resolve(productScope: string | undefined, artifactId: string): Promise<Resolved> {
    const parsed = parseArtifactId(artifactId);
    if (parsed === undefined) throw new FleetError("NOT_FOUND", `artifact ${artifactId} not found`);
    const job = await this.options.jobs.getJob(productScope, parsed.jobId).catch((error: unknown) => {
      throw error instanceof FleetError && error.code === "NOT_FOUND" ? new FleetError("NOT_FOUND", `artifact ${artifactId} not found`) : error;
    });
    const run = runOfEpoch(job, parsed.epoch);
    const pointer = run?.artifacts?.find((a) => a.id === artifactId);
    const key = pointer?.key ?? (parsed.item === "log" ? attemptLogKey(job.productId, job.id, parsed.epoch) : undefined);
    // The attempt's folder, whatever the pointer says: never another product's, job's or attempt's bytes.
    if (run === undefined || key === undefined || !keyBelongsTo(key, job.productId, job.id, parsed.epoch)) {
      throw new FleetError("NOT_FOUND", `artifact ${artifactId} not found`);
    }
    return { job, run, id: artifactId, pointer, key };
  }

  private viewOf(job: JobDoc, run: Run, pointer: ArtifactPointer, id: string): ArtifactView {
    const now = this.options.clock.now();
    const days = this.options.retentionDays;
    const expiresAt = days === undefined || pointer.uploadedAt === undefined ? undefined : pointer.uploadedAt + days * DAY_MS;
    const servable = pointer.key !== undefined && keyBelongsTo(pointer.key, job.productId, job.id, run.epoch);
    const state = !servable
      ? "external"
      : pointer.deletedAt !== undefined
        ? "deleted"
        : expiresAt !== undefined && now >= expiresAt
          ? "expired"
          : pointer.kind === "log" && run.endedAt === undefined
            ? "live"
            : "available";
    return {
      id,
      jobId: job.id,
      epoch: run.epoch,
      attempt: run.attempt,
      name: pointer.name,
      kind: pointer.kind ?? "file",
      state,
      bytes: pointer.bytes ?? null,
      contentType: pointer.contentType ?? null,
      uploadedAt: pointer.uploadedAt === undefined ? null : isoTime(pointer.uploadedAt),
      expiresAt: expiresAt === undefined ? null : isoTime(expiresAt),
      ...(pointer.deletedAt === undefined ? {} : { deletedAt: isoTime(pointer.deletedAt) }),
      ...(pointer.deletedBy === undefined ? {} : { deletedBy: pointer.deletedBy }),
      download: state === "available" || state === "live" || state === "expired" ? `/fleet/artifacts/${id}` : null,
      uri: pointer.uri,
    };
  }

  /** The log of a run whose pointer is not recorded (still running, or it never released): found by its well-known key. */
  private async derivedLog(job: JobDoc, run: Run): Promise<ArtifactView | undefined> {
    const store = this.options.store;
    if (store === undefined) return undefined;
    const key = attemptLogKey(job.productId, job.id, run.epoch);
    const stat = await store.stat(key).catch(() => undefined);
    if (stat === undefined && run.endedAt !== undefined) return undefined;
    const pointer: ArtifactPointer = {
      name: "attempt.log",
      uri: store.uriOf(key),
      kind: "log",
      key,
      contentType: stat?.contentType ?? "text/plain; charset=utf-8",
      ...(stat === undefined ? {} : { bytes: stat.bytes, uploadedAt: stat.modifiedAt }),
    };
    return this.viewOf(job, run, pointer, artifactIdOf(job.id, run.epoch, "log"));
  }

  private store(): ArtifactStorePort {
    if (this.options.store === undefined) throw new FleetError("ARTIFACTS_UNAVAILABLE", NOT_CONFIGURED, undefined, { hint: false });
    return this.options.store;
  }

  private async guard<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isArtifactError(error, "not_found")) throw new FleetError("NOT_FOUND", `${what}: not found in the artifact store`);
      if (isArtifactError(error)) throw new FleetError("ARTIFACTS_UNAVAILABLE", `${what}: ${error.message}`);
      throw error;
    }
  }
}

function deletedError(id: string, pointer: ArtifactPointer): FleetError {
  const by = pointer.deletedBy === "retention" ? "by the retention" : `by ${pointer.deletedBy ?? "an operator"}`;
  return new FleetError("NOT_FOUND", `artifact ${id} was deleted ${by} at ${isoTime(pointer.deletedAt!)}; its pointer stays on the job for the record`, undefined, { hint: false });
}

/** `bytes` without a UTF-8 character cut at its end. */
function completeUtf8(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}
