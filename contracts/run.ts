import { z } from "zod";
import { ArtifactPointer, Checkpoint, CommitId, EpochMs, GitBranchName, Id, Insights, PullRequestUrl } from "./common.js";

export const RunResult = z.enum(["running", "shipped", "retryable", "non_retryable", "later", "drained", "expired"]);
export type RunResult = z.infer<typeof RunResult>;

/** One attempt of a job by one factory under one epoch. Embedded in the job document. */
export const Run = z
  .object({
    productId: Id,
    jobId: Id,
    attempt: z.number().int().positive(),
    epoch: z.number().int().positive(),
    pool: Id,
    factoryId: Id,
    startedAt: EpochMs,
    endedAt: EpochMs.optional(),
    result: RunResult,
    message: z.string().max(2000).optional(),
    checkpoint: Checkpoint.optional(),
    insights: Insights.optional(),
    artifacts: z.array(ArtifactPointer).max(50).optional(),
    /** The run's deliverable, when the engine reported one: the branch it pushed, its head commit and the pull request. */
    branch: GitBranchName.optional(),
    commit: CommitId.optional(),
    prUrl: PullRequestUrl.optional(),
  })
  .strict();
export type Run = z.infer<typeof Run>;
