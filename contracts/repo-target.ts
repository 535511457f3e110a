import { z } from "zod";

/** The repository a job works on: `owner/name` or a clone URL (https or ssh). */
export const RepoRef = z
  .string()
  .min(1)
  .max(512)
  .regex(/^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+|https:\/\/\S+|ssh:\/\/\S+|git@[^\s:]+:\S+)$/, "must be owner/name or a clone URL (https://..., ssh://... or git@host:owner/name)")
  .meta({ description: "The repository the job works on: owner/name or a clone URL", example: "acme/api" });

/** The branch the work starts from. Git's rules, simplified: no spaces, no '..', not starting with '-'. */
export const BaseBranch = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a branch name such as main or release/1.2")
  .meta({ description: "The branch the work starts from", example: "main" });
