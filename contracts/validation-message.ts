import type { z } from "zod";
import { MISPLACED_FIELDS } from "./misplaced-fields.js";
import { PRIORITY_RANK } from "./stage.js";

/** Which part of a request an issue is about; decides how fields are named. */
export type InputPart = "body" | "querystring" | "params" | "headers";

/** One problem with one field, in the product's words. `field` is "" for the input as a whole. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Renders zod issues in the product's words, never zod's: "bodyMd is required", "priority must be
 * one of low, medium, high, critical", "unknown field 'pool': jobs are routed by capabilities ...".
 * Issues carry their input when parsed with `reportInput: true`; without it a missing field reads
 * as a wrong type, so parse with it wherever the message reaches a person.
 */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], part?: InputPart): FieldProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, part));
}

/** "field message; other field message": for configuration files, variables and broker messages. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], part?: InputPart): string {
  return describeZodIssues(issues, part)
    .map((problem) => problem.message)
    .join("; ");
}

function describeIssue(issue: z.core.$ZodIssue, part: InputPart | undefined): FieldProblem[] {
  const field = fieldName(issue.path, part);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const name = field === "" ? key : `${field}.${key}`;
      const what = part === "querystring" ? "query parameter" : part === "headers" ? "header" : "field";
      const why = MISPLACED_FIELDS[key];
      return { field: name, message: `unknown ${what} '${name}'${why === undefined ? "" : `: ${why}`}` };
    });
  }
  const subject = field === "" ? wholeInput(part) : field;
  const problem = problemOf(issue, field === "" && part === "body");
  if (problem.startsWith(":")) return [{ field, message: `${subject}${problem}` }];
  return [{ field, message: `${subject} ${problem}` }];
}

/** `["capabilities", 0]` reads "capabilities.0"; in a query string a list index adds nothing
 * ("stage=a,b" has no visible positions), so it is dropped. */
function fieldName(path: readonly PropertyKey[], part: InputPart | undefined): string {
  return path
    .filter((segment) => part !== "querystring" || typeof segment !== "number")
    .map(String)
    .join(".");
}

function wholeInput(part: InputPart | undefined): string {
  switch (part) {
    case "body":
      return "the body";
    case "querystring":
      return "the query string";
    case "params":
      return "the path";
    case "headers":
      return "the headers";
    default:
      return "the value";
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  null: "null",
};

/** What is wrong, phrased to follow the field's name (or after a colon when it is a sentence). */
function problemOf(issue: z.core.$ZodIssue, isBodyRoot: boolean): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type": {
      if (input === undefined || (input === null && isBodyRoot)) return isBodyRoot ? "is required: send a JSON object" : "is required";
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (isBodyRoot) return `must be a JSON object, not ${kindOf(input)}`;
      return `must be ${expected}, not ${kindOf(input)}`;
    }
    case "invalid_value": {
      const got = input === undefined ? "" : ` (not ${JSON.stringify(input)})`;
      if (ownMessage(issue.message)) return `${sentence(issue.message)}${got}`;
      const values = orderedValues(issue.values);
      if (values.length === 1) return `must be ${JSON.stringify(values[0])}${got}`;
      return `must be one of ${values.map(String).join(", ")}${got}`;
    }
    case "too_small":
      return tooSmall(issue);
    case "too_big":
      return tooBig(issue);
    case "invalid_format":
      if (ownMessage(issue.message)) return sentence(issue.message);
      if (issue.format === "datetime") return "must be an ISO 8601 time such as 2026-01-31T09:30:00Z";
      if (issue.format === "regex") return "has characters that are not allowed here";
      return `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "custom":
      return ownMessage(issue.message) ? sentence(issue.message) : "is not valid";
    default:
      return "is not valid";
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  switch (issue.origin) {
    case "string":
      return minimum <= 1 ? "must not be empty" : `must be at least ${minimum} characters`;
    case "array":
    case "set":
      return minimum <= 1 ? "must list at least one item" : `must list at least ${minimum} items`;
    default:
      return issue.inclusive === false ? `must be greater than ${minimum}` : `must be at least ${minimum}`;
  }
}

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const maximum = Number(issue.maximum);
  switch (issue.origin) {
    case "string":
      return `must be at most ${maximum} characters`;
    case "array":
    case "set":
      return `may list at most ${maximum} items`;
    default:
      return issue.inclusive === false ? `must be less than ${maximum}` : `must be at most ${maximum}`;
  }
}

/** zod's own messages start with "Invalid" (or "Too"); a schema's message is ours and kept. */
function ownMessage(message: string): boolean {
  return message !== "" && !/^(Invalid|Too (big|small)|Expected|Unrecognized)/.test(message);
}

/** A message that reads as a predicate ("must ...") follows the field name; any other is a
 * sentence about it and follows a colon. */
function sentence(message: string): string {
  return /^(must|may|is|are|has|needs)\b/.test(message) ? message : `: ${message}`;
}

/** Priorities read from the least to the most urgent; every other set keeps the schema's order. */
function orderedValues(values: readonly unknown[]): unknown[] {
  const isPriority = values.length > 0 && values.every((value) => typeof value === "string" && value in PRIORITY_RANK);
  if (!isPriority) return [...values];
  return [...values].sort((a, b) => PRIORITY_RANK[a as keyof typeof PRIORITY_RANK] - PRIORITY_RANK[b as keyof typeof PRIORITY_RANK]);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "a whole number" : "a number";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
