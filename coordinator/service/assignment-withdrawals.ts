import { isFleetError, type JobDoc } from "../../contracts/index.js";
import { withdrawAssignment } from "../lifecycle/withdraw-assignment.js";

/** Whose unaccepted assignments to take back: a product's, a pool's, or both filters at once. */
export interface WithdrawalTarget {
  productId?: string;
  pool?: string;
  reason: string;
}

/**
 * Withdrawals queued by a drained pool or a product paused with drain or stop, carried out on the
 * coordinator's next pass. An operator path: it looks at the active jobs in memory, never at the
 * store, and each withdrawal is one conditional write (lifecycle/withdraw-assignment.ts).
 */
export class AssignmentWithdrawals {
  private readonly pending: WithdrawalTarget[] = [];

  push(target: WithdrawalTarget): void {
    this.pending.push(target);
  }

  /** Runs every queued withdrawal; a target stays queued until all its jobs were handled. */
  async run(now: number, active: () => Iterable<JobDoc>, commit: (id: string, decide: (job: JobDoc) => JobDoc) => Promise<JobDoc>): Promise<void> {
    while (this.pending.length > 0) {
      const target = this.pending[0]!;
      const ids: string[] = [];
      for (const job of active()) {
        if (job.stage !== "assigned" || job.lease === undefined || job.lease.factoryId !== undefined) continue;
        if (target.productId !== undefined && job.productId !== target.productId) continue;
        if (target.pool !== undefined && job.lease.pool !== target.pool) continue;
        ids.push(job.id);
      }
      for (const id of ids) {
        try {
          await commit(id, (job) => withdrawAssignment(job, target.reason, now));
        } catch (error) {
          if (!isFleetError(error, "NOT_FOUND")) throw error;
        }
      }
      this.pending.shift();
    }
  }
}
