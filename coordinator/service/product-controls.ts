import {
  type BudgetDoc,
  type BudgetWindow,
  budgetDocId,
  type JobDoc,
  type PauseBody,
  type ProductSchedulingSettings,
  type PutBudgetBody,
  type ProductReviewSettings,
  type PutReviewPolicyBody,
  type PutWeightsBody,
  type ScoreWeightsPatch,
  type Topology,
} from "../../contracts/index.js";
import type { StorePort } from "../../store/port.js";
import { budgetWindowAt, daysOfWindow, utcDayOf, utcDayStart } from "../lifecycle/budget-window.js";
import { holdsBack, type ProductGate, productGate, windowOfBudget } from "../lifecycle/product-gate.js";
import { fromMicroUsd } from "../lifecycle/run-cost.js";
import { DEFAULT_SHARE, resolveWeights, type ScoreWeights } from "../scorer/index.js";
import { BudgetStore } from "./budget-store.js";
import type { FleetEvents } from "./fleet-events.js";
import { SpendLedger } from "./spend-ledger.js";

/** A product's budget and pause as the API shows them. */
export interface BudgetView {
  productId: string;
  ceilingUsd: number | null;
  window: BudgetWindow;
  windowStart: string;
  /** The current window, ms (end null: open-ended). */
  windowStartsAt: number;
  windowEndsAt: number | null;
  spentUsd: number;
  remainingUsd: number | null;
  holdBack: boolean;
  onCeiling: BudgetDoc["onCeiling"];
  paused: boolean;
  pausedBy: ProductGate["pausedBy"];
  pauseMode: ProductGate["mode"];
  pauseReason: string | null;
  pausedAt: number | null;
  revision: number;
}

export interface Burndown {
  productId: string;
  window: BudgetWindow;
  windowStartsAt: number;
  windowEndsAt: number | null;
  ceilingUsd: number | null;
  spentUsd: number;
  remainingUsd: number | null;
  /** One entry per UTC day of the window up to today, oldest first. */
  days: { day: string; spentUsd: number; cumulativeUsd: number; remainingUsd: number | null }[];
}

/** What a gate change asks the coordinator to do with work already handed out. */
export interface GateChange {
  productId: string;
  gate: ProductGate;
  /** The product just closed with mode drain or stop: withdraw its unaccepted assignments. */
  withdraw: boolean;
  /** The product just opened (or its budget changed): put its held-back jobs back. */
  release: boolean;
}

export interface ProductControlsOptions {
  store: StorePort;
  topology: Topology;
  events: FleetEvents;
  /** Extra per-product weights given to the coordinator directly (tests, the benchmark). */
  productWeights?: Readonly<Record<string, ScoreWeightsPatch>>;
}

/**
 * Every product's spend and flow controls: budgets (ceiling, window, hold-back), operator pauses,
 * fair shares and score weights. Everything the scheduler asks here is answered from memory: the
 * control documents are loaded at start and written through; spend comes from the SpendLedger.
 */
export class ProductControls {
  private readonly docs: BudgetStore;
  readonly ledger = new SpendLedger();
  private readonly gates = new Map<string, { gate: ProductGate; at: number; validUntil: number }>();
  private readonly lastState = new Map<string, string>();
  private readonly weightCache = new Map<string, ScoreWeights>();
  private readonly held = new Map<string, Map<string, string>>();
  private readonly heldProduct = new Map<string, string>();

  constructor(private readonly options: ProductControlsOptions) {
    this.docs = new BudgetStore(options.store);
  }

  /** Loads every control document and each budgeted product's spend in its current window. */
  async load(now: number, active: () => Iterable<JobDoc>): Promise<void> {
    const docs = await this.docs.load();
    for (const doc of docs) {
      await this.ledger.load(this.options.store, doc.productId, windowOfBudget(doc, now).start, active);
      this.lastState.set(doc.productId, stateKey(this.gate(doc.productId, now)));
    }
  }

  budgetDoc(productId: string): BudgetDoc | undefined {
    return this.docs.get(productId);
  }

  /** The product's gate at `now`, cached until its window ends or its spend or controls change. */
  gate(productId: string, now: number): ProductGate {
    const cached = this.gates.get(productId);
    if (cached !== undefined && now >= cached.at && now < cached.validUntil) return cached.gate;
    const doc = this.docs.get(productId);
    const window = windowOfBudget(doc, now);
    const spent = doc === undefined ? 0 : this.ledger.spentBetween(productId, window.start, window.end);
    const gate = productGate(doc, spent, window);
    this.gates.set(productId, { gate, at: doc === undefined ? 0 : window.start, validUntil: window.end ?? Number.POSITIVE_INFINITY });
    return gate;
  }

  isOpen(productId: string, now: number): boolean {
    return this.gate(productId, now).open;
  }

  /** Whether the budget's hold-back keeps this job queued now. */
  holdsBack(job: JobDoc, now: number): boolean {
    const doc = this.docs.get(job.productId);
    if (doc?.holdBack !== true || job.budget?.usd === undefined) return false;
    return holdsBack(doc, this.gate(job.productId, now), job.budget.usd);
  }

  /** Records a held-back job; true the first time (for the event). */
  hold(job: JobDoc): boolean {
    if (this.heldProduct.has(job.id)) return false;
    let jobs = this.held.get(job.productId);
    if (jobs === undefined) {
      jobs = new Map();
      this.held.set(job.productId, jobs);
    }
    jobs.set(job.id, job.productId);
    this.heldProduct.set(job.id, job.productId);
    return true;
  }

  isHeld(jobId: string): boolean {
    return this.heldProduct.has(jobId);
  }

  forgetHeld(jobId: string): void {
    const productId = this.heldProduct.get(jobId);
    if (productId === undefined) return;
    this.heldProduct.delete(jobId);
    this.held.get(productId)?.delete(jobId);
  }

  /** Takes the product's held jobs back (their owner re-adds those still queued to the ready index). */
  takeHeld(productId: string): string[] {
    const jobs = this.held.get(productId);
    if (jobs === undefined) return [];
    this.held.delete(productId);
    for (const id of jobs.keys()) this.heldProduct.delete(id);
    return [...jobs.keys()];
  }

  /** Applies a committed job change to the spend; returns the gate change it caused, if any. */
  observe(previous: JobDoc | undefined, next: JobDoc, now: number): GateChange | undefined {
    if (next.stage !== "queued") this.forgetHeld(next.id);
    const added = this.ledger.observe(previous, next);
    if (added === 0) return undefined;
    this.gates.delete(next.productId);
    const gate = this.gate(next.productId, now);
    this.options.events.emit({
      type: "budget.spend",
      at: now,
      productId: next.productId,
      jobId: next.id,
      data: { addedUsd: fromMicroUsd(added), spentUsd: gate.spentUsd, ceilingUsd: gate.ceilingUsd, remainingUsd: gate.remainingUsd },
    });
    return this.refresh(next.productId, now);
  }

  /** Re-evaluates every budgeted product at `now` (window roll-over); returns the changes. */
  tick(now: number): GateChange[] {
    const changes: GateChange[] = [];
    for (const doc of this.docs.all()) {
      const change = this.refresh(doc.productId, now);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /** When the next budget window ends, for sleeping until then. */
  nextDeadline(now: number): number | undefined {
    let next: number | undefined;
    for (const doc of this.docs.all()) {
      if (doc.ceilingUsd === undefined || doc.window === "none") continue;
      const end = budgetWindowAt(doc.window, doc.windowStart, now).end;
      if (end !== undefined && (next === undefined || end < next)) next = end;
    }
    return next;
  }

  view(productId: string, now: number): BudgetView {
    const doc = this.docs.get(productId) ?? defaultBudget(productId, now);
    const gate = this.gate(productId, now);
    const window = budgetWindowAt(doc.window, doc.windowStart, now);
    return {
      productId,
      ceilingUsd: doc.ceilingUsd ?? null,
      window: doc.window,
      windowStart: doc.windowStart,
      windowStartsAt: window.start,
      windowEndsAt: window.end ?? null,
      spentUsd: gate.spentUsd,
      remainingUsd: gate.remainingUsd,
      holdBack: doc.holdBack,
      onCeiling: doc.onCeiling,
      paused: !gate.open,
      pausedBy: gate.pausedBy,
      pauseMode: gate.mode,
      pauseReason: gate.reason,
      pausedAt: doc.pause?.at ?? null,
      revision: doc.revision,
    };
  }

  burndown(productId: string, now: number): Burndown {
    const view = this.view(productId, now);
    const days = this.ledger.days(productId);
    const window = { start: view.windowStartsAt, end: view.windowEndsAt ?? undefined };
    let cumulative = 0;
    const ceilingMicro = view.ceilingUsd === null ? null : Math.round(view.ceilingUsd * 1_000_000);
    return {
      productId,
      window: view.window,
      windowStartsAt: view.windowStartsAt,
      windowEndsAt: view.windowEndsAt,
      ceilingUsd: view.ceilingUsd,
      spentUsd: view.spentUsd,
      remainingUsd: view.remainingUsd,
      days: daysOfWindow(window, now).map((day) => {
        const micro = days.get(day) ?? 0;
        cumulative += micro;
        return {
          day,
          spentUsd: fromMicroUsd(micro),
          cumulativeUsd: fromMicroUsd(cumulative),
          remainingUsd: ceilingMicro === null ? null : fromMicroUsd(Math.max(0, ceilingMicro - cumulative)),
        };
      }),
    };
  }

  async putBudget(productId: string, body: PutBudgetBody, by: string, now: number): Promise<GateChange | undefined> {
    const doc = await this.docs.mutate(productId, (current) => {
      const base = current ?? defaultBudget(productId, now);
      const window = body.window ?? base.window;
      const next: BudgetDoc = {
        ...base,
        window,
        windowStart: body.windowStart ?? (body.window !== undefined && body.window !== base.window ? defaultWindowStart(window, now) : base.windowStart),
        holdBack: body.holdBack ?? base.holdBack,
        onCeiling: body.onCeiling ?? base.onCeiling,
        revision: base.revision + 1,
        updatedAt: now,
      };
      if (body.ceilingUsd === null) delete next.ceilingUsd;
      else if (body.ceilingUsd !== undefined) next.ceilingUsd = body.ceilingUsd;
      return next;
    });
    await this.ensureSpendFrom(productId, windowOfBudget(doc, now).start);
    this.options.events.emit({ type: "budget.updated", at: now, productId, data: { by, ...this.view(productId, now) } });
    return this.refresh(productId, now, true);
  }

  async pause(productId: string, body: PauseBody, by: string, now: number): Promise<GateChange | undefined> {
    await this.docs.mutate(productId, (current) => {
      const base = current ?? defaultBudget(productId, now);
      return { ...base, pause: { mode: body.mode, reason: body.reason, by, at: now }, revision: base.revision + 1, updatedAt: now };
    });
    await this.ensureSpendFrom(productId, windowOfBudget(this.docs.get(productId), now).start);
    return this.refresh(productId, now);
  }

  async resume(productId: string, by: string, now: number): Promise<GateChange | undefined> {
    if (this.docs.get(productId)?.pause === undefined) return this.refresh(productId, now);
    await this.docs.mutate(productId, (current) => {
      if (current?.pause === undefined) return current ?? defaultBudget(productId, now);
      const next: BudgetDoc = { ...current, revision: current.revision + 1, updatedAt: now };
      delete next.pause;
      return next;
    });
    return this.refresh(productId, now, false, by);
  }

  // ---- fair shares and weights ------------------------------------------------------------------

  /** The product's settings: API values over the topology's, per field. */
  settingsOf(productId: string): { share: number; weights: ScoreWeightsPatch; sources: { share: "api" | "topology" | "default"; weights: ScoreWeightsPatch } } {
    const topology: ProductSchedulingSettings = this.options.topology.products[productId] ?? {};
    const doc = this.docs.get(productId);
    const weights = { ...(this.options.productWeights?.[productId] ?? {}), ...(topology.weights ?? {}), ...(doc?.weights ?? {}) };
    const share = doc?.share ?? topology.share ?? DEFAULT_SHARE;
    return {
      share,
      weights,
      sources: { share: doc?.share !== undefined ? "api" : topology.share !== undefined ? "topology" : "default", weights: doc?.weights ?? {} },
    };
  }

  shareOf(productId: string): number {
    return this.settingsOf(productId).share;
  }

  /** The product's registry entry (what explain shows as the "product" layer). */
  weightsPatchOf(productId: string): ScoreWeightsPatch {
    return this.settingsOf(productId).weights;
  }

  /** Resolved score weights, cached: asked whenever a head's score is recomputed. */
  weightsFor(productId: string, override?: ScoreWeightsPatch): ScoreWeights {
    if (override !== undefined) return resolveWeights({ productId, override, productRegistry: { [productId]: this.weightsPatchOf(productId) } }).weights;
    let weights = this.weightCache.get(productId);
    if (weights === undefined) {
      weights = resolveWeights({ productId, productRegistry: { [productId]: this.weightsPatchOf(productId) } }).weights;
      this.weightCache.set(productId, weights);
    }
    return weights;
  }

  async putWeights(productId: string, body: PutWeightsBody, by: string, now: number): Promise<void> {
    await this.docs.mutate(productId, (current) => {
      const base = current ?? defaultBudget(productId, now);
      const next: BudgetDoc = { ...base, revision: base.revision + 1, updatedAt: now };
      if (body.share === null) delete next.share;
      else if (body.share !== undefined) next.share = body.share;
      if (body.weights === null) delete next.weights;
      else if (body.weights !== undefined) next.weights = body.weights;
      return next;
    });
    this.weightCache.delete(productId);
    this.options.events.emit({ type: "product.weights_updated", at: now, productId, data: { by, ...this.settingsOf(productId) } });
  }

  // ---- the review gate ---------------------------------------------------------------------------

  /** The product's review policy as set through the API (undefined: the defaults). From memory. */
  reviewSettingsOf(productId: string): ProductReviewSettings | undefined {
    return this.docs.get(productId)?.review;
  }

  /** Sets the fields given (null: back to the default); a change that changes nothing writes nothing. */
  async putReviewPolicy(productId: string, body: PutReviewPolicyBody, by: string, now: number): Promise<void> {
    await this.docs.mutate(productId, (current) => {
      const base = current ?? defaultBudget(productId, now);
      const review: ProductReviewSettings = { ...base.review, updatedAt: now, updatedBy: by };
      for (const field of ["approvals", "roles", "autoship"] as const) {
        const value = body[field];
        if (value === null) delete review[field];
        else if (field === "roles" && value !== undefined) review.roles = [...new Set(value as string[])].sort();
        else if (value !== undefined) (review as Record<string, unknown>)[field] = value;
      }
      const same = (["approvals", "roles", "autoship"] as const).every((field) => JSON.stringify(review[field]) === JSON.stringify(base.review?.[field]));
      if (current !== undefined && same) return current;
      return { ...base, review, revision: base.revision + 1, updatedAt: now };
    });
  }

  /** Every product that has a control document or topology settings. */
  knownProducts(): string[] {
    return [...new Set([...this.docs.all().map((doc) => doc.productId), ...Object.keys(this.options.topology.products)])].sort();
  }

  // ---- internals ----------------------------------------------------------------------------------

  private async ensureSpendFrom(productId: string, fromMs: number, active: () => Iterable<JobDoc> = () => []): Promise<void> {
    const fromDay = this.ledger.fromDay(productId);
    if (fromDay !== undefined && fromDay <= utcDayOf(fromMs)) return;
    await this.ledger.load(this.options.store, productId, fromMs, this.activeSource ?? active);
    this.gates.delete(productId);
  }

  /** Where the ledger finds active jobs when it (re)loads a product after start. */
  activeSource: (() => Iterable<JobDoc>) | undefined;

  /** Recomputes the gate; emits and returns a change when its state moved. */
  private refresh(productId: string, now: number, budgetChanged = false, by?: string): GateChange | undefined {
    this.gates.delete(productId);
    const gate = this.gate(productId, now);
    const doc = this.docs.get(productId);
    if (doc !== undefined) this.ledger.prune(productId, windowOfBudget(doc, now).start);
    const key = stateKey(gate);
    const before = this.lastState.get(productId) ?? "open";
    this.lastState.set(productId, key);
    if (key === before) return budgetChanged ? { productId, gate, withdraw: false, release: true } : undefined;
    const base = { productId, at: now, data: { by: by ?? (gate.pausedBy === "operator" ? doc?.pause?.by : "coordinator"), mode: gate.mode, reason: gate.reason, spentUsd: gate.spentUsd, ceilingUsd: gate.ceilingUsd } };
    if (gate.open) {
      const rolled = before.startsWith("ceiling") && gate.window.start > (Number(before.split("|")[2]) || 0);
      if (rolled) this.options.events.emit({ ...base, type: "budget.window_rolled_over", data: { ...base.data, windowStartsAt: gate.window.start } });
      this.options.events.emit({ ...base, type: "product.resumed" });
    } else {
      if (gate.pausedBy === "ceiling") this.options.events.emit({ ...base, type: "budget.ceiling_reached" });
      this.options.events.emit({ ...base, type: "product.paused" });
    }
    return { productId, gate, withdraw: !gate.open && (gate.mode === "drain" || gate.mode === "stop"), release: gate.open || budgetChanged };
  }
}

function stateKey(gate: ProductGate): string {
  return gate.open ? "open" : `${gate.pausedBy}|${gate.mode}|${gate.window.start}`;
}

/** A product's controls before anyone set them: no ceiling, a monthly window from this month's first day. */
export function defaultBudget(productId: string, now: number): BudgetDoc {
  return {
    id: budgetDocId(productId),
    productId,
    window: "monthly",
    windowStart: defaultWindowStart("monthly", now),
    holdBack: false,
    onCeiling: "finish",
    revision: 0,
    updatedAt: now,
  };
}

function defaultWindowStart(window: BudgetWindow, now: number): string {
  if (window === "monthly") return `${utcDayOf(now).slice(0, 8)}01`;
  return utcDayOf(utcDayStart(utcDayOf(now)));
}
