import {
  FleetError,
  type JobDoc,
  type JobSpec,
  type SubmitJobBody,
} from "../../contracts/index.js";
import { assertAcyclic, depSatisfied } from "../jobs/dependency-graph.js";
import { contentHashOf, deriveJobId, JOB_ID, newIdempotencyKey } from "../jobs/job-identity.js";
import { newJobDoc } from "../jobs/new-job.js";
import { supersedeJob } from "../jobs/supersede-job.js";
import { withEvent } from "../lifecycle/job-events.js";
import { assertTransition } from "../lifecycle/transitions.js";
import { isStoreError } from "../../store/port.js";
import type { JobBook } from "./job-book.js";
import type { PoolRegistry } from "../pools/pool-registry.js";

export type SubmitOutcome = "created" | "existing" | "superseded";

export interface SubmitResult {
  job: JobDoc;
  outcome: SubmitOutcome;
  children: JobDoc[];
}

interface Planned {
  id: string;
  key: string;
  spec: JobSpec;
  depIds: string[];
  kind: "leaf" | "composite";
  parentId?: string;
  children?: string[];
  contentHash: string;
}

/**
 * Idempotent submission, as the seed specifies: the same key with the same content returns the
 * existing job; changed content while the job is still queued (or blocked) supersedes it in place;
 * otherwise IDEMPOTENCY_CONFLICT (409). Dependencies name jobs of the same product by key and must
 * exist (or be submitted in the same request); a cycle is rejected with DEPENDENCY_CYCLE (400)
 * before anything is written; capabilities no pool offers are rejected before anything is written.
 */
export class JobSubmitter {
  constructor(
    private readonly book: JobBook,
    private readonly pools: PoolRegistry,
  ) {}

  async submit(productId: string, body: SubmitJobBody, now: number): Promise<SubmitResult> {
    const { children: childSpecs = [], kind: requestedKind, ...spec } = body;
    const key = spec.idempotencyKey ?? newIdempotencyKey();
    const kind = childSpecs.length > 0 ? "composite" : requestedKind;
    const children = childSpecs.map((child, index) => this.plan(productId, child, child.idempotencyKey ?? `${key}#${index}`, "leaf"));
    const parent = this.plan(productId, { ...spec, idempotencyKey: key }, key, kind, children);
    for (const child of children) child.parentId = parent.id;
    await this.validate(productId, [...children, parent]);
    const createdChildren: JobDoc[] = [];
    for (const child of children) createdChildren.push((await this.submitOne(productId, child, now)).job);
    const result = await this.submitOne(productId, parent, now);
    return { ...result, children: createdChildren };
  }

  async addChildren(productId: string, parentId: string, specs: readonly JobSpec[], now: number): Promise<SubmitResult> {
    const parentRead = await this.book.read(parentId);
    if (parentRead === undefined || parentRead.doc.productId !== productId) throw new FleetError("NOT_FOUND", `job ${parentId} not found`);
    const parentDoc = parentRead.doc;
    if (parentDoc.stage !== "queued" && parentDoc.stage !== "blocked") {
      throw new FleetError("ILLEGAL_TRANSITION", `job ${parentId} is '${parentDoc.stage}': children can only be added before it starts`);
    }
    const offset = parentDoc.children?.length ?? 0;
    const children = specs.map((child, index) =>
      this.plan(productId, child, child.idempotencyKey ?? `${parentDoc.idempotencyKey}#${offset + index}`, "leaf"),
    );
    for (const child of children) child.parentId = parentId;
    const newIds = children.map((c) => c.id);
    const proposedParent: Planned = {
      id: parentId,
      key: parentDoc.idempotencyKey,
      spec: { ...jobSpecOf(parentDoc) },
      depIds: [...new Set([...parentDoc.deps, ...newIds])],
      kind: "composite",
      contentHash: parentDoc.contentHash,
    };
    await this.validate(productId, [...children, proposedParent]);
    const created: JobDoc[] = [];
    for (const child of children) created.push((await this.submitOne(productId, child, now)).job);
    const job = await this.book.mutate(parentId, productId, (current) => {
      if (current.stage !== "queued" && current.stage !== "blocked") {
        throw new FleetError("ILLEGAL_TRANSITION", `job ${parentId} is '${current.stage}': children can only be added before it starts`);
      }
      if (current.stage === "queued") assertTransition("queued", "blocked", "coordinator");
      const next: JobDoc = {
        ...current,
        kind: "composite",
        children: [...new Set([...(current.children ?? []), ...newIds])],
        deps: [...new Set([...current.deps, ...newIds])],
        stage: "blocked",
        stageReason: "waiting for children",
        updatedAt: now,
      };
      return withEvent(next, "children_added", "coordinator", now, { children: newIds });
    });
    return { job, outcome: "existing", children: created };
  }

  private plan(productId: string, spec: JobSpec, key: string, kind: "leaf" | "composite", children: Planned[] = []): Planned {
    const childIds = children.map((c) => c.id);
    const depIds = [...new Set([...spec.deps.map((dep) => deriveJobId(productId, dep)), ...childIds])];
    const contentHash = contentHashOf(spec, { kind, children: children.map((c) => c.contentHash) });
    const planned: Planned = { id: deriveJobId(productId, key), key, spec: { ...spec, idempotencyKey: key }, depIds, kind, contentHash };
    if (childIds.length > 0) planned.children = childIds;
    return planned;
  }

  /** Everything that can reject a submission is checked before the first write. */
  private async validate(productId: string, planned: readonly Planned[]): Promise<void> {
    for (const job of planned) {
      const caps = [...new Set(job.spec.capabilities)].sort();
      if (this.pools.capableOf(caps.join(","), caps).length === 0) {
        throw new FleetError(
          "VALIDATION",
          `no pool offers every capability of job '${job.key}' (${caps.join(", ")}); pools offer: ${this.pools
            .all()
            .map((p) => `${p.definition.name} [${p.definition.capabilities.join(", ")}]`)
            .join("; ")}`,
          { field: "capabilities" },
        );
      }
    }
    const graph = new Map<string, readonly string[]>(planned.map((job) => [job.id, job.depIds]));
    // Every node of the graph by the key the user knows it by, for messages.
    const keyOf = new Map<string, string>(planned.map((job) => [job.id, job.key]));
    const pending = planned.flatMap((job) => job.depIds).filter((id) => !graph.has(id));
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (graph.has(id)) continue;
      const stored = await this.book.read(id);
      if (stored === undefined || stored.doc.productId !== productId) throw await this.unknownDependency(productId, planned, id);
      graph.set(id, stored.doc.deps);
      keyOf.set(id, stored.doc.idempotencyKey);
      for (const dep of stored.doc.deps) if (!graph.has(dep)) pending.push(dep);
    }
    assertAcyclic(
      planned.map((job) => job.id),
      (id) => graph.get(id) ?? [],
      (id) => keyOf.get(id) ?? id,
    );
  }

  /** Names the missing dependency by the key that was sent, once, and says what to do. A job id
   * sent where a key belongs is named as such, with the key to use when that job exists. */
  private async unknownDependency(productId: string, planned: readonly Planned[], missingId: string): Promise<FleetError> {
    const owner = planned.find((job) => job.depIds.includes(missingId));
    const key = owner?.spec.deps.find((dep) => deriveJobId(productId, dep) === missingId) ?? missingId;
    const details = { field: "deps", job: owner?.key, dependency: key };
    if (JOB_ID.test(key)) {
      const named = this.book.cached(key) ?? (await this.book.read(key))?.doc;
      if (named !== undefined && named.productId === productId) {
        return new FleetError("UNKNOWN_DEPENDENCY", `job '${owner?.key ?? "?"}': '${key}' is a job id; deps take idempotency keys: use '${named.idempotencyKey}'`, details, {
          hint: false,
        });
      }
      return new FleetError("UNKNOWN_DEPENDENCY", `job '${owner?.key ?? "?"}': '${key}' looks like a job id, but deps take idempotency keys and no job has this key`, details, {
        hint: "name each dependency by the idempotencyKey it was submitted with",
      });
    }
    return new FleetError("UNKNOWN_DEPENDENCY", `job '${owner?.key ?? "?"}' depends on '${key}', which does not exist in this product`, details, {
      hint: "submit that job first (or in the same request), or fix the key in deps",
    });
  }

  private async submitOne(productId: string, planned: Planned, now: number): Promise<SubmitResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // Create first: a new job (the common case) costs one write and no read.
      const existing = this.book.cached(planned.id) === undefined ? await this.tryCreate(productId, planned, now) : undefined;
      if (existing?.created !== undefined) return { job: existing.created, outcome: "created", children: [] };
      const current = await this.book.read(planned.id);
      if (current === undefined) continue;
      if (current.doc.contentHash === planned.contentHash) return { job: current.doc, outcome: "existing", children: [] };
      if (current.doc.stage !== "queued" && current.doc.stage !== "blocked") {
        throw new FleetError(
          "IDEMPOTENCY_CONFLICT",
          `job '${planned.key}' already exists with different content and is '${current.doc.stage}'; it can no longer be superseded`,
          { jobId: planned.id, stage: current.doc.stage },
        );
      }
      const ready = await this.depsReady(planned.depIds, planned.spec.depsMode);
      const job = await this.book.mutate(planned.id, productId, (doc) => {
        if (doc.contentHash === planned.contentHash) return doc;
        if (doc.stage !== "queued" && doc.stage !== "blocked") {
          throw new FleetError("IDEMPOTENCY_CONFLICT", `job '${planned.key}' started before it could be superseded`, { jobId: planned.id });
        }
        return supersedeJob(doc, planned.spec, { contentHash: planned.contentHash, depIds: planned.depIds, ready, now });
      });
      return { job, outcome: "superseded", children: [] };
    }
    throw new FleetError("STORE_UNAVAILABLE", `job '${planned.key}' kept changing while it was submitted; retry`);
  }

  /** Creates the job; undefined when its id already exists. */
  private async tryCreate(productId: string, planned: Planned, now: number): Promise<{ created: JobDoc } | undefined> {
    const ready = await this.depsReady(planned.depIds, planned.spec.depsMode);
    const facts = {
      id: planned.id,
      productId,
      idempotencyKey: planned.key,
      contentHash: planned.contentHash,
      kind: planned.kind,
      depIds: planned.depIds,
      ready,
      now,
      ...(planned.parentId === undefined ? {} : { parentId: planned.parentId }),
      ...(planned.children === undefined ? {} : { children: planned.children }),
    };
    try {
      return { created: await this.book.create(newJobDoc(planned.spec, facts)) };
    } catch (error) {
      if (isStoreError(error, "already_exists")) return undefined;
      throw error;
    }
  }

  async depsReady(depIds: readonly string[], mode: JobSpec["depsMode"]): Promise<boolean> {
    for (const id of depIds) {
      const dep = this.book.cached(id) ?? (await this.book.read(id))?.doc;
      if (dep === undefined || !depSatisfied(mode, dep.stage)) return false;
    }
    return true;
  }
}

function jobSpecOf(job: JobDoc): JobSpec {
  return {
    idempotencyKey: job.idempotencyKey,
    bodyMd: job.bodyMd,
    persona: job.persona,
    capabilities: job.capabilities,
    priority: job.priority,
    retry: job.retry,
    deps: [],
    depsMode: job.depsMode,
    ...(job.title === undefined ? {} : { title: job.title }),
    ...(job.budget === undefined ? {} : { budget: job.budget }),
    ...(job.repo === undefined ? {} : { repo: job.repo }),
    ...(job.baseBranch === undefined ? {} : { baseBranch: job.baseBranch }),
    ...(job.reviewPolicy === undefined ? {} : { review: job.reviewPolicy }),
  };
}

