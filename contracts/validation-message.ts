import type { z } from "zod";

/** Renders zod issues as "field.path: message; other.field: message" for error bodies and logs. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
      if (issue.code === "unrecognized_keys") {
        return `${path}: unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
      }
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
