/**
 * The branch an attempt works on: `fleet/<job key>/<epoch>`. One per attempt, so a zombie of an
 * earlier epoch can never push over the current one's work, and the branch says which job and
 * attempt it holds. The key is made safe for git (no ':', no '..', no trailing '.lock').
 */
export function attemptBranch(idempotencyKey: string, epoch: number): string {
  const safe =
    idempotencyKey
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/\.{2,}/g, ".")
      .replace(/^[-.]+/, "")
      .replace(/(\.lock)+$/i, "")
      .replace(/[.]+$/, "")
      .slice(0, 100) || "job";
  return `fleet/${safe}/${epoch}`;
}
