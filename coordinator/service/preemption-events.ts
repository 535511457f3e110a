import type { JobDoc } from "../../contracts/index.js";
import type { FleetEvent } from "./fleet-events.js";

/** The fleet events one committed job change makes for preemption: the request, and the
 * preemption itself once the victim released (naming victim and preemptor). Pure. */
export function preemptionEventsOf(previous: JobDoc | undefined, next: JobDoc): FleetEvent[] {
  const events: FleetEvent[] = [];
  if (next.preemption !== undefined && previous?.preemption === undefined) {
    events.push({
      type: "job.preemption_requested",
      at: next.updatedAt,
      productId: next.productId,
      jobId: next.id,
      pool: next.preemption.pool,
      data: { victim: next.id, preemptor: next.preemption.by },
    });
  }
  if (previous?.preemption !== undefined && next.preemption === undefined && (next.preemptions ?? 0) > (previous.preemptions ?? 0)) {
    events.push({
      type: "job.preempted",
      at: next.updatedAt,
      productId: next.productId,
      jobId: next.id,
      pool: previous.preemption.pool,
      data: { victim: next.id, preemptor: previous.preemption.by, epoch: next.leaseEpoch, checkpoint: next.checkpoint ?? null },
    });
  }
  return events;
}
