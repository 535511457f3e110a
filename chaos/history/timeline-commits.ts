import { type JobDoc, type JobEvent, Stage } from "../../contracts/index.js";
import type { History } from "./history.js";

const TERMINAL_EVENTS: ReadonlySet<string> = new Set(["shipped", "failed", "dead_letter", "cancelled"]);

/**
 * Records a job's committed history from its timeline, for runs that cannot watch the store as it
 * writes (live scenarios against a real store): each event was committed in the same write as the
 * change it describes, so the timeline replays the job's stage, epoch and lease holder write by
 * write. What a timeline does not keep (renewals, lease expiry instants) is left out.
 */
export function recordTimeline(history: History, job: JobDoc, timeline: readonly JobEvent[]): void {
  let stage: Stage | undefined;
  let factoryId: string | undefined;
  for (const event of [...timeline].sort((a, b) => a.seq - b.seq)) {
    const next = stageAfter(event, stage);
    if (next === undefined) continue;
    if (event.type === "accepted") factoryId = stringOf(event.data?.factoryId);
    else if (next !== stage && !["building", "review", "testing"].includes(next)) factoryId = undefined;
    history.instant(
      {
        kind: "commit",
        actor: "store",
        jobId: job.id,
        key: job.idempotencyKey,
        epoch: event.epoch,
        stage: next,
        ...(stage === undefined ? {} : { from: stage }),
        events: [event.type],
        eventActor: event.actor,
        ...(factoryId === undefined ? {} : { factoryId }),
        ...(stringOf(event.data?.reason) === undefined ? {} : { reason: stringOf(event.data?.reason) }),
        attempts: job.attempts,
        retries: job.retries,
      },
      event.at,
    );
    stage = next;
  }
}

/** The stage a timeline event leaves the job in; undefined for events that change no stage. */
function stageAfter(event: JobEvent, stage: Stage | undefined): Stage | undefined {
  switch (event.type) {
    case "submitted": {
      const created = Stage.safeParse(event.data?.stage);
      return created.success ? created.data : "queued";
    }
    case "unblocked":
    case "requeued":
      return "queued";
    case "assigned":
      return "assigned";
    case "accepted":
      return "building";
    case "stage": {
      const to = Stage.safeParse(event.data?.to);
      return to.success ? to.data : stage;
    }
    default: {
      const terminal = Stage.safeParse(event.type);
      return TERMINAL_EVENTS.has(event.type) && terminal.success ? terminal.data : undefined;
    }
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
