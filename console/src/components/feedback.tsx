import type { ComponentChildren } from "preact";
import type { ApiError } from "../data/api-client.js";

/** An API error exactly as the server worded it (its message says what to do next). */
export function ErrorBox({ error, title }: { error: ApiError | Error; title?: string }) {
  const code = "code" in error ? String(error.code) : undefined;
  const status = "status" in error ? Number(error.status) : undefined;
  return (
    <div class="error-box" role="alert">
      <strong>{title ?? "The coordinator refused or could not be reached"}</strong>
      <p>
        {code === undefined ? null : (
          <code>
            {code}
            {status === undefined || status === 0 ? "" : ` ${status}`}
          </code>
        )}{" "}
        {error.message}
      </p>
    </div>
  );
}

/** Nothing to show yet, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty-state">
      <strong>{title}</strong>
      {children === undefined ? null : <p>{children}</p>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted loading">loading {what}...</p>;
}

export function StageBadge({ stage }: { stage: string }) {
  return <span class={`stage stage-${stage}`}>{stage.replace(/_/g, " ")}</span>;
}

/** A definition list of facts: keys as words, values as text (times and objects readable). */
export function FactsList({ facts }: { facts: Record<string, unknown> }) {
  const entries = Object.entries(facts);
  if (entries.length === 0) return null;
  return (
    <dl class="facts">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{words(key)}</dt>
          <dd>{display(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]/g, " ").toLowerCase();
}

function display(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(display).join(", ");
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${words(k)} ${display(v)}`).join("; ");
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toLocaleString();
  }
  return String(value);
}
