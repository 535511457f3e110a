import type { AmqpMessage as Message } from "./rhea-internals.js";
import { compileSqlFilter, type CompiledSqlFilter, type SqlValue } from "./sql-filter.js";

export interface CorrelationFilterSpec {
  correlationId?: string;
  messageId?: string;
  to?: string;
  replyTo?: string;
  label?: string;
  sessionId?: string;
  replyToSessionId?: string;
  contentType?: string;
  properties?: Record<string, string | number | boolean>;
}

export type FilterSpec = { kind: "true" } | { kind: "false" } | { kind: "sql"; expression: string } | { kind: "correlation"; spec: CorrelationFilterSpec };

export interface Rule {
  name: string;
  filter: FilterSpec;
  compiled?: CompiledSqlFilter;
}

/** Builds a rule, compiling a SQL filter up front so a bad expression fails at creation. */
export function makeRule(name: string, filter: FilterSpec): Rule {
  if (filter.kind === "sql") {
    const trimmed = filter.expression.trim();
    if (trimmed === "1=1") return { name, filter: { kind: "true" } };
    if (trimmed === "1=0") return { name, filter: { kind: "false" } };
    return { name, filter, compiled: compileSqlFilter(filter.expression) };
  }
  return { name, filter };
}

export const DEFAULT_RULE_NAME = "$Default";

const SYSTEM: Record<string, (m: Message) => unknown> = {
  messageid: (m) => m.message_id,
  correlationid: (m) => m.correlation_id,
  label: (m) => m.subject,
  subject: (m) => m.subject,
  to: (m) => m.to,
  replyto: (m) => m.reply_to,
  sessionid: (m) => m.group_id,
  replytosessionid: (m) => m.reply_to_group_id,
  contenttype: (m) => m.content_type,
};

function toSql(value: unknown): SqlValue {
  if (value === null || value === undefined) return value as null | undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

/** Whether a message matches a rule's filter (a subscription takes a message when any rule matches). */
export function ruleMatches(rule: Rule, message: Message): boolean {
  const props = (message.application_properties ?? {}) as Record<string, unknown>;
  switch (rule.filter.kind) {
    case "true":
      return true;
    case "false":
      return false;
    case "sql":
      return rule.compiled!.matches((name, system) => toSql(system ? SYSTEM[name.toLowerCase()]?.(message) : props[name]));
    case "correlation": {
      const spec = rule.filter.spec;
      const checks: [unknown, unknown][] = [
        [spec.correlationId, message.correlation_id],
        [spec.messageId, message.message_id],
        [spec.to, message.to],
        [spec.replyTo, message.reply_to],
        [spec.label, message.subject],
        [spec.sessionId, message.group_id],
        [spec.replyToSessionId, message.reply_to_group_id],
        [spec.contentType, message.content_type],
      ];
      for (const [expected, actual] of checks) if (expected !== undefined && expected !== actual) return false;
      for (const [key, expected] of Object.entries(spec.properties ?? {})) if (props[key] !== expected) return false;
      return true;
    }
  }
}
