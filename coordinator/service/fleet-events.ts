/**
 * Fleet-level events: what operators' levers did and what they caused (budgets, pauses,
 * preemptions, schedules). Job-level changes already reach listeners through `onCommit`; these
 * are the facts that are not one job's change. Emitted after the change is committed.
 */
export type FleetEventType =
  | "budget.updated"
  | "budget.spend"
  | "budget.ceiling_reached"
  | "budget.window_rolled_over"
  | "product.paused"
  | "product.resumed"
  | "product.weights_updated"
  | "pool.paused"
  | "pool.draining"
  | "pool.resumed"
  | "job.preemption_requested"
  | "job.preempted"
  | "job.held_back"
  | "schedule.updated"
  | "schedule.paused"
  | "schedule.resumed"
  | "schedule.deleted"
  | "schedule.submitted"
  | "schedule.skipped";

export interface FleetEvent {
  type: FleetEventType;
  /** Coordinator clock, ms. */
  at: number;
  productId?: string;
  pool?: string;
  jobId?: string;
  data: Record<string, unknown>;
}

export type FleetEventListener = (event: FleetEvent) => void;

export class FleetEvents {
  private readonly listeners: FleetEventListener[] = [];

  on(listener: FleetEventListener): void {
    this.listeners.push(listener);
  }

  emit(event: FleetEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not undo or block a committed change.
      }
    }
  }
}
