import { z } from "zod";
import { BudgetWindow, PauseMode, UtcDay } from "./budget.js";
import { EpochMs, Id } from "./common.js";
import { ScheduleDoc } from "./schedule.js";
import { ScoreWeights, ScoreWeightsPatch } from "./weights.js";

/**
 * What the levers' routes answer (budgets, pauses, weights, schedules), for the OpenAPI document
 * and the API suite, which checks real answers against these. Like the job documents, these views
 * give times as epoch milliseconds (they mirror stored documents); money is in USD.
 *
 * The objects are strict: a field a view gains without being described here fails the API suite,
 * so the published document cannot fall behind the answers.
 */

const JAN_1 = 1767225600000; // 2026-01-01T00:00:00Z
const FEB_1 = 1769904000000; // 2026-02-01T00:00:00Z
const AT = 1769851800000; // 2026-01-31T09:30:00Z

const PausedBy = z.enum(["operator", "ceiling"]).nullable().meta({ description: "operator: paused through the API; ceiling: the window's spend reached the ceiling; null: open" });

export const BudgetResponse = z
  .strictObject({
    productId: Id,
    ceilingUsd: z.number().nullable().meta({ description: "null: no ceiling (spend is still counted; the product never pauses by itself)" }),
    window: BudgetWindow,
    windowStart: UtcDay.meta({ description: "the first day of the first window (UTC)" }),
    windowStartsAt: EpochMs.meta({ description: "start of the current window, epoch milliseconds" }),
    windowEndsAt: EpochMs.nullable().meta({ description: "end of the current window, epoch milliseconds; null for window none" }),
    spentUsd: z.number().nonnegative().meta({ description: "spend recorded by the product's jobs in the current window" }),
    remainingUsd: z.number().nonnegative().nullable().meta({ description: "what is left of the ceiling (never negative); null without a ceiling" }),
    holdBack: z.boolean().meta({ description: "a job whose own budget.usd is more than what is left stays queued" }),
    onCeiling: PauseMode.meta({ description: "what reaching the ceiling does to work already handed out" }),
    paused: z.boolean(),
    pausedBy: PausedBy,
    pauseMode: PauseMode.nullable(),
    pauseReason: z.string().nullable(),
    pausedAt: EpochMs.nullable().meta({ description: "when an operator paused the product, epoch milliseconds" }),
    revision: z.number().int().nonnegative().meta({ description: "0: nothing was ever set for this product (the defaults)" }),
  })
  .meta({
    id: "Budget",
    description: "A product's budget, its spend in the current window and its pause",
    example: {
      productId: "acme",
      ceilingUsd: 500,
      window: "monthly",
      windowStart: "2026-01-01",
      windowStartsAt: JAN_1,
      windowEndsAt: FEB_1,
      spentUsd: 182.4,
      remainingUsd: 317.6,
      holdBack: true,
      onCeiling: "finish",
      paused: false,
      pausedBy: null,
      pauseMode: null,
      pauseReason: null,
      pausedAt: null,
      revision: 3,
    },
  });

export const BurndownResponse = z
  .strictObject({
    productId: Id,
    window: BudgetWindow,
    windowStartsAt: EpochMs,
    windowEndsAt: EpochMs.nullable(),
    ceilingUsd: z.number().nullable(),
    spentUsd: z.number().nonnegative(),
    remainingUsd: z.number().nonnegative().nullable(),
    days: z
      .array(z.strictObject({ day: UtcDay, spentUsd: z.number().nonnegative(), cumulativeUsd: z.number().nonnegative(), remainingUsd: z.number().nonnegative().nullable() }))
      .meta({ description: "one entry per UTC day of the window up to today, oldest first" }),
  })
  .meta({
    id: "Burndown",
    example: {
      productId: "acme",
      window: "monthly",
      windowStartsAt: JAN_1,
      windowEndsAt: FEB_1,
      ceilingUsd: 500,
      spentUsd: 61.5,
      remainingUsd: 438.5,
      days: [
        { day: "2026-01-01", spentUsd: 20, cumulativeUsd: 20, remainingUsd: 480 },
        { day: "2026-01-02", spentUsd: 41.5, cumulativeUsd: 61.5, remainingUsd: 438.5 },
      ],
    },
  });

const ProductPause = z.strictObject({
  productId: Id,
  paused: z.boolean(),
  pausedBy: PausedBy,
  mode: PauseMode.nullable().meta({ description: "what the pause does to work already handed out; null when open" }),
  reason: z.string().nullable(),
  by: z.string().nullable().meta({ description: "the operator key that paused it (operator pauses only)" }),
  since: EpochMs.nullable().meta({ description: "when an operator paused it, epoch milliseconds" }),
  spentUsd: z.number().nonnegative(),
  ceilingUsd: z.number().nullable(),
  remainingUsd: z.number().nonnegative().nullable(),
  resumesAt: EpochMs.nullable().meta({ description: "when a ceiling pause lifts by itself (the window rolls over), epoch milliseconds; null when it will not" }),
});

const EXAMPLE_PRODUCT_PAUSE = {
  productId: "acme",
  paused: true,
  pausedBy: "operator",
  mode: "drain",
  reason: "quarterly audit",
  by: "op-acme",
  since: AT,
  spentUsd: 182.4,
  ceilingUsd: 500,
  remainingUsd: 317.6,
  resumesAt: null,
};

export const ProductPauseResponse = ProductPause.meta({ id: "ProductPause", description: "Whether the product gets new work, and if not who paused it, how and why", example: EXAMPLE_PRODUCT_PAUSE });

const PoolPause = z.strictObject({
  pool: Id,
  paused: z.boolean(),
  draining: z.boolean().meta({ description: "its agents are told to finish what they hold and exit" }),
  reason: z.string().nullable(),
  by: z.string().nullable(),
  since: EpochMs.nullable().meta({ description: "epoch milliseconds" }),
});

const EXAMPLE_POOL_PAUSE = { pool: "gpu", paused: true, draining: true, reason: "GPU quota exhausted", by: "op-fleet", since: AT };

export const PoolPauseResponse = PoolPause.meta({ id: "PoolPause", example: EXAMPLE_POOL_PAUSE });

export const PausesResponse = z
  .strictObject({
    products: z.array(ProductPause).meta({ description: "products with controls set, in the key's scope" }),
    pools: z.array(PoolPause).meta({ description: "every pool of the topology" }),
  })
  .meta({
    id: "Pauses",
    example: {
      products: [EXAMPLE_PRODUCT_PAUSE],
      pools: [{ pool: "general", paused: false, draining: false, reason: null, by: null, since: null }, EXAMPLE_POOL_PAUSE],
    },
  });

const ProductWeights = z.strictObject({
  productId: Id,
  share: z.number().positive().meta({ description: "the product's fair share of a contended pool (API over topology over the default 1)" }),
  weights: ScoreWeights.meta({ description: "the score weights the scheduler uses for the product, resolved" }),
  registry: ScoreWeightsPatch.meta({ description: "the product's own layer of weights (topology and API merged), over the defaults" }),
  sources: z.strictObject({
    share: z.enum(["api", "topology", "default"]),
    weights: ScoreWeightsPatch.meta({ description: "the weights set through the API (they win over the topology's, per field)" }),
  }),
});

const EXAMPLE_WEIGHTS = { productId: "acme", share: 3, weights: { age: 2, priority: 10, retries: -2, capabilities: 5 }, registry: { age: 2 }, sources: { share: "api", weights: { age: 2 } } };

export const ProductWeightsResponse = ProductWeights.meta({ id: "ProductWeights", example: EXAMPLE_WEIGHTS });

export const WeightsListResponse = z
  .strictObject({ items: z.array(ProductWeights).meta({ description: "products with settings, in the key's scope" }) })
  .meta({ id: "WeightsList", example: { items: [EXAMPLE_WEIGHTS] } });

const EXAMPLE_SCHEDULE = {
  id: "schedule.acme.nightly-audit",
  productId: "acme",
  name: "nightly-audit",
  cron: "0 2 * * *",
  timeZone: "Europe/Berlin",
  overlap: "skip",
  job: { title: "Dependency audit", bodyMd: "# Audit\nRun the dependency audit.", persona: "engineer", capabilities: ["lang:ts"], priority: "medium" },
  paused: false,
  nextRunAt: 1769907600000,
  lastRunAt: 1769821200000,
  lastJobId: "j-4b1c0a9e1f2d3c4b5a69788776655443",
  submitted: 30,
  skipped: 1,
  lastSkippedAt: 1769216400000,
  revision: 2,
  createdAt: JAN_1,
  updatedAt: JAN_1,
};

export const ScheduleResponse = ScheduleDoc.extend({
  nextRuns: z.array(EpochMs).meta({ description: "the next occurrences (?next=N of them), epoch milliseconds; empty when the expression has no future run" }),
}).meta({
  id: "Schedule",
  description: "A schedule with its next run times; every time is epoch milliseconds",
  example: { ...EXAMPLE_SCHEDULE, nextRuns: [1769907600000, 1769994000000, 1770080400000] },
});

export const ScheduleListResponse = z
  .strictObject({ items: z.array(ScheduleDoc).meta({ description: "ordered by product, then name" }) })
  .meta({ id: "ScheduleList", example: { items: [EXAMPLE_SCHEDULE] } });
