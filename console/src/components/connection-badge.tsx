import type { ConnectionStatus } from "../data/live-stream.js";
import { formatAbsolute } from "../format/time.js";

const LABELS: Record<ConnectionStatus["state"], string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  polling: "polling",
  stopped: "not live",
};

/** The stream's state, always visible: a page never degrades silently. */
export function ConnectionBadge({ status, label }: { status: ConnectionStatus | undefined; label?: string }) {
  const state = status?.state ?? "connecting";
  const title = [status?.detail, status === undefined ? undefined : `since ${formatAbsolute(status.since)}`].filter(Boolean).join(" - ");
  return (
    <span class={`connection connection-${state}`} title={title} data-connection={state} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {label === undefined ? "" : `${label}: `}
      {LABELS[state]}
      {state !== "live" && status?.detail !== undefined ? <span class="connection-detail"> ({status.detail})</span> : null}
    </span>
  );
}
