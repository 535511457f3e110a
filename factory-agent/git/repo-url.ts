import { isOwnerAndName } from "../../contracts/index.js";

/**
 * Where to clone a job's `repo` from: `owner/name` against the factory's GIT_BASE_URL (a host such
 * as https://github.com, or a folder of bare repositories), anything else as given (a clone URL or
 * an absolute path).
 */
export function resolveRepoUrl(repo: string, baseUrl: string): string {
  if (!isOwnerAndName(repo)) return repo;
  return `${baseUrl.replace(/\/+$/, "")}/${repo}.git`;
}
