import type { Stage } from "../../contracts/index.js";
import { type CheckHistoryInput, checkHistory } from "./check-history.js";
import { History } from "./history.js";

/** What one hand-written commit changes (the rest carries over from the job's previous commit). */
export interface ScriptedChange {
  stage: Stage;
  epoch?: number;
  events?: string[];
  eventActor?: string;
  factoryId?: string | null;
  expiresAt?: number;
  reason?: string;
  productId?: string;
  pool?: string;
  checkpoint?: string | null;
  spendMicro?: number;
  notBefore?: number | null;
}

interface JobState {
  stage: Stage;
  epoch: number;
  factory: string | undefined;
  expiresAt: number | undefined;
  productId: string | undefined;
  pool: string | undefined;
  checkpoint: string | undefined;
  spendMicro: number | undefined;
  notBefore: number | undefined;
}

/** Writes small histories by hand: jobs' lives as the store, the relay, agents and operators saw them. */
export class Script {
  t = 0;
  readonly history = new History(() => this.t);
  private readonly jobs = new Map<string, JobState>();

  at(t: number): this {
    this.t = t;
    return this;
  }

  submit(key = "k1", jobId = "j1", poison = false, productId?: string): this {
    const op = this.history.invoke({ kind: "submit", actor: "client", key, poison, ...(productId === undefined ? {} : { productId }) });
    this.commit({ stage: "queued", events: ["submitted"], eventActor: "coordinator", ...(productId === undefined ? {} : { productId }) }, jobId, key);
    this.history.complete(op, "ok", { jobId });
    return this;
  }

  commit(change: ScriptedChange, jobId = "j1", key = "k1"): this {
    const before = this.jobs.get(jobId);
    const pick = <T>(next: T | null | undefined, previous: T | undefined): T | undefined => (next === null ? undefined : (next ?? previous));
    const state: JobState = {
      stage: change.stage,
      epoch: change.epoch ?? before?.epoch ?? 0,
      factory: pick(change.factoryId, before?.factory),
      expiresAt: change.expiresAt ?? before?.expiresAt,
      productId: change.productId ?? before?.productId,
      pool: change.pool ?? before?.pool,
      checkpoint: pick(change.checkpoint, before?.checkpoint),
      spendMicro: change.spendMicro ?? before?.spendMicro,
      notBefore: pick(change.notBefore, before?.notBefore),
    };
    this.jobs.set(jobId, state);
    this.history.instant({
      kind: "commit",
      actor: "store",
      jobId,
      key,
      epoch: state.epoch,
      stage: change.stage,
      ...(before === undefined ? {} : { from: before.stage }),
      events: change.events ?? [],
      ...(change.eventActor === undefined ? {} : { eventActor: change.eventActor }),
      ...(state.factory === undefined ? {} : { factoryId: state.factory }),
      ...(state.expiresAt === undefined ? {} : { expiresAt: state.expiresAt }),
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      attempts: 0,
      retries: 0,
      ...(state.productId === undefined ? {} : { productId: state.productId }),
      ...(state.pool === undefined ? {} : { pool: state.pool }),
      ...(state.checkpoint === undefined ? {} : { checkpoint: state.checkpoint }),
      ...(state.spendMicro === undefined ? {} : { spendMicro: state.spendMicro }),
      ...(state.notBefore === undefined ? {} : { notBefore: state.notBefore }),
    });
    return this;
  }

  /** A write of a product's or pool's controls. */
  control(scope: "product" | "pool", name: string, paused: boolean, budget: { mode?: string; ceilingMicro?: number; window?: "daily" | "weekly" | "monthly" | "none"; windowStart?: string } = {}): this {
    this.history.instant({ kind: "control", actor: "store", scope, name, paused, ...budget });
    return this;
  }

  /** A write of schedule `sweep` of product acme, every minute in UTC. */
  schedule(change: { createdAt?: number; paused?: boolean; deleted?: boolean; overlap?: "skip" | "allow"; lastSkippedAt?: number } = {}): this {
    this.history.instant({
      kind: "schedule",
      actor: "store",
      productId: "acme",
      name: "sweep",
      deleted: change.deleted ?? false,
      cron: "* * * * *",
      timeZone: "UTC",
      overlap: change.overlap ?? "allow",
      paused: change.paused ?? false,
      createdAt: change.createdAt ?? 0,
      ...(change.lastSkippedAt === undefined ? {} : { lastSkippedAt: change.lastSkippedAt }),
      skipped: 0,
      submitted: 0,
    });
    return this;
  }

  /** A release try by `agent` reporting `costMicro` (and handing back `checkpoint`); `effect` is the write it made. */
  release(agent: string, epoch: number, outcome: string, report: { costMicro?: number; checkpoint?: string }, effect?: () => void, jobId = "j1"): this {
    const op = this.history.invoke({ kind: "release", actor: agent, jobId, epoch, detail: outcome, ...report });
    effect?.();
    this.history.complete(op, "ok");
    return this;
  }

  spendReading(productId: string, window: { startsAt: number; endsAt?: number }, byDay: Record<string, number>): this {
    const spentMicro = Object.values(byDay).reduce((a, b) => a + b, 0);
    this.history.instant({ kind: "spend-reading", actor: "operator", productId, windowStartsAt: window.startsAt, ...(window.endsAt === undefined ? {} : { windowEndsAt: window.endsAt }), spentMicro, byDay });
    return this;
  }

  engineStart(agent: string, epoch: number, checkpoint?: string, jobId = "j1"): this {
    this.history.instant({ kind: "engine-start", actor: agent, jobId, epoch, ...(checkpoint === undefined ? {} : { checkpoint }) });
    return this;
  }

  assign(epoch: number, jobId = "j1", key = "k1"): this {
    return this.commit({ stage: "assigned", epoch, events: ["assigned"], eventActor: "coordinator", factoryId: null, pool: "general" }, jobId, key);
  }

  publish(epoch: number, jobId = "j1"): this {
    this.history.instant({ kind: "publish", actor: "relay", jobId, epoch });
    return this;
  }

  /** A factory call, answered `outcome`; `effect` is the store write it made, if any. */
  call(agent: string, kind: "accept" | "renew" | "report" | "release", epoch: number, outcome: "ok" | "fail", effect?: () => void, code?: string, detail?: string, jobId = "j1"): this {
    const op = this.history.invoke({ kind, actor: agent, jobId, epoch, ...(detail === undefined ? {} : { detail }) });
    effect?.();
    this.history.complete(op, outcome, code === undefined ? {} : { code });
    return this;
  }

  accept(agent: string, epoch: number, jobId = "j1", key = "k1"): this {
    return this.call(agent, "accept", epoch, "ok", () => this.commit({ stage: "building", events: ["accepted"], eventActor: "factory", factoryId: agent, expiresAt: this.t + 10_000 }, jobId, key), undefined, undefined, jobId);
  }

  ship(agent: string, epoch: number, jobId = "j1", key = "k1"): this {
    return this.call(agent, "release", epoch, "ok", () => this.commit({ stage: "shipped", events: ["shipped"], eventActor: "factory", factoryId: null }, jobId, key), undefined, "shipped", jobId);
  }

  fault(fault: "agent-pause" | "agent-resume" | "agent-kill", actor: string): this {
    this.history.instant({ kind: "fault", fault, actor });
    return this;
  }

  check(overrides: Partial<CheckHistoryInput> = {}) {
    return checkHistory({ history: this.history.operations, healedAt: 0, outboxBoundMs: 10_000, relayPending: 0, drainedInTime: true, replayMustShip: true, ...overrides });
  }
}

