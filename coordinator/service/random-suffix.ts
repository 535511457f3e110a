import { randomBytes } from "node:crypto";

/** A short random suffix for ids the coordinator picks (48 bits: collisions are not a concern at
 * fleet sizes, and a collision is refused by the store's create, never overwritten). */
export function randomSuffix(): string {
  return randomBytes(6).toString("hex");
}
