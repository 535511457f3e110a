import { createHash } from "node:crypto";

/** One observed event. `ok` is whether the coordinator accepted the call. */
export interface HistoryEvent {
  t: number;
  type:
    | "submitted"
    | "accept"
    | "report"
    | "release"
    | "completed"
    | "fenced"
    | "zombie-write"
    | "agent-start"
    | "agent-kill"
    | "agent-pause"
    | "agent-drain"
    | "coordinator-crash"
    | "coordinator-restart"
    | "poison-crash";
  jobId?: string;
  agent?: string;
  epoch?: number;
  ok?: boolean;
  /** The job's epoch in the store right after an accepted factory write (stale-write check). */
  currentEpoch?: number;
  detail?: string;
}

export class History {
  readonly events: HistoryEvent[] = [];
  record(event: HistoryEvent): void {
    this.events.push(event);
  }
  hash(): string {
    return createHash("sha256").update(JSON.stringify(this.events)).digest("hex");
  }
}
