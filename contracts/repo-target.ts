import { z } from "zod";

/** The repository a job works on: `owner/name` (resolved by the factory against its GIT_BASE_URL),
 * a clone URL (https, ssh, file), or an absolute path on the factory's disk. */
export const RepoRef = z
  .string()
  .min(1)
  .max(512)
  .regex(
    /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+|https:\/\/\S+|ssh:\/\/\S+|git@[^\s:]+:\S+|file:\/\/\/\S+|\/\S+)$/,
    "must be owner/name, a clone URL (https://..., ssh://..., git@host:owner/name, file:///...) or an absolute path",
  )
  .meta({ description: "The repository the job works on: owner/name (resolved against the factory's GIT_BASE_URL), a clone URL or an absolute path", example: "acme/api" });

/** Whether `repo` is `owner/name`, to be resolved against a base URL. */
export function isOwnerAndName(repo: string): boolean {
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo);
}

/** The branch the work starts from. Git's rules, simplified: no spaces, no '..', not starting with '-'. */
export const BaseBranch = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a branch name such as main or release/1.2")
  .meta({ description: "The branch the work starts from", example: "main" });
