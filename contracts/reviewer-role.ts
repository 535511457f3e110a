import { z } from "zod";

/** A reviewer role, held by operator keys (`reviewerRoles`) and named by review policies. */
export const ReviewerRole = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z][a-z0-9-]*$/, "reviewer roles are lower-case words such as 'maintainer' or 'security'")
  .meta({ example: "maintainer" });
export type ReviewerRole = z.infer<typeof ReviewerRole>;

/** The reviewer roles of one operator key. */
export const ReviewerRoles = z.array(ReviewerRole).max(10);
