import { z } from "zod";

/** Every stage a job can be in. Terminal stages never change again except by an operator replay/requeue. */
export const Stage = z.enum([
  "queued",
  "blocked",
  "assigned",
  "building",
  "review",
  "testing",
  "shipped",
  "failed",
  "dead_letter",
  "cancelled",
]);
export type Stage = z.infer<typeof Stage>;

export const TERMINAL_STAGES: ReadonlySet<Stage> = new Set(["shipped", "failed", "dead_letter", "cancelled"]);
/** Stages in which a factory holds an accepted lease and runs the job. */
export const RUNNING_STAGES: ReadonlySet<Stage> = new Set(["building", "review", "testing"]);
/** Stages a factory may report through a fenced PATCH. */
export const REPORTABLE_STAGES = ["building", "review", "testing"] as const;

export function isTerminal(stage: Stage): boolean {
  return TERMINAL_STAGES.has(stage);
}

export const Priority = z.enum(["critical", "high", "medium", "low"]);
export type Priority = z.infer<typeof Priority>;

/** Higher is more urgent. Used by the scorer; never persisted. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 3, high: 2, medium: 1, low: 0 };
