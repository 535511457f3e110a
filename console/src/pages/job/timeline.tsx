import type { JobEvent } from "../../../../contracts/index.js";
import { ConnectionBadge } from "../../components/connection-badge.js";
import { EmptyState } from "../../components/feedback.js";
import type { ConnectionStatus } from "../../data/live-stream.js";
import { formatClock, Time } from "../../format/time.js";

/** The job's events, newest first, with the stream's state shown beside them. */
export function Timeline({ events, status }: { events: JobEvent[]; status: ConnectionStatus | undefined }) {
  const newestFirst = [...events].reverse();
  return (
    <section class="card timeline" data-testid="timeline">
      <header>
        <h2>Timeline</h2>
        <ConnectionBadge status={status} label="timeline" />
      </header>
      {events.length === 0 ? (
        <EmptyState title={status?.state === "live" ? "No events yet" : "Waiting for the timeline"}>
          {status?.state === "stopped" ? status.detail : "Events appear here as the coordinator commits them."}
        </EmptyState>
      ) : (
        <ol class="events">
          {newestFirst.map((event) => (
            <li key={event.seq} data-seq={event.seq} data-type={event.type}>
              <span class="event-seq">#{event.seq}</span>
              <span class="event-type">{eventTitle(event)}</span>
              <span class="event-actor">{event.actor}</span>
              <span class="event-epoch" title="lease epoch">
                epoch {event.epoch}
              </span>
              <span class="event-time">
                <Time value={event.at} /> <span class="muted">{formatClock(event.at)}</span>
              </span>
              {event.data === undefined ? null : <span class="event-data">{describe(event.data)}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A stage report reads as its stage ("building"); other events by their type. */
function eventTitle(event: JobEvent): string {
  const to = event.data?.to;
  if (event.type === "stage" && typeof to === "string") return `stage → ${to.replace(/_/g, " ")}`;
  return event.type.replace(/_/g, " ");
}

function describe(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(" · ");
}
