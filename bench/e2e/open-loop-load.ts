import type { SubmitClient } from "./submit-client.js";

export interface LoadPlan {
  /** Offered jobs per second, whatever the coordinator answers (open loop). */
  rate: number;
  jobs: number;
  /** Key prefix of this phase's jobs (the job timeline finds them by it). */
  keyPrefix: string;
  bulk: boolean;
}

export interface LoadResult {
  offered: number;
  /** Submissions the coordinator acknowledged (200 or 201; per job in bulk mode). */
  acknowledged: number;
  refused: { status: number; count: number }[];
  /** Wall-clock seconds from the first submission to the last answer. */
  submitSeconds: number;
  /** When each key was handed to the client (epoch ms). */
  sentAt: Map<string, number>;
}

const TICK_MS = 5;

/**
 * Offers `jobs` submissions at a fixed rate: every tick, whatever is due by the schedule is sent
 * without waiting for earlier answers (a slow coordinator piles up requests in flight, as real
 * submitters would). In bulk mode what is due in one tick goes in one request.
 */
export async function offerLoad(client: SubmitClient, plan: LoadPlan): Promise<LoadResult> {
  const sentAt = new Map<string, number>();
  const refused = new Map<number, number>();
  let acknowledged = 0;
  const inFlight: Promise<void>[] = [];
  const count = (status: number, jobs: number) => {
    if (status === 200 || status === 201) acknowledged += jobs;
    else refused.set(status, (refused.get(status) ?? 0) + jobs);
  };
  const started = Date.now();
  let sent = 0;
  // Bounded: one tick per TICK_MS until everything is sent, at most the schedule's length plus slack.
  const maxTicks = Math.ceil((plan.jobs / plan.rate) * (1000 / TICK_MS)) + 10_000;
  for (let tick = 0; sent < plan.jobs && tick < maxTicks; tick++) {
    const due = Math.min(plan.jobs, Math.floor(((Date.now() - started) / 1000) * plan.rate) + 1);
    const keys: string[] = [];
    for (; sent < due; sent++) keys.push(`${plan.keyPrefix}${sent}`);
    const now = Date.now();
    for (const key of keys) sentAt.set(key, now);
    if (plan.bulk) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        inFlight.push(client.submitBatch(chunk).then((answer) => countBatch(answer, chunk.length, count), () => count(0, chunk.length)));
      }
    } else {
      for (const key of keys) inFlight.push(client.submitOne(key).then((answer) => count(answer.status, 1), () => count(0, 1)));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  return {
    offered: sent,
    acknowledged,
    refused: [...refused].map(([status, jobs]) => ({ status, count: jobs })),
    submitSeconds: (Date.now() - started) / 1000,
    sentAt,
  };
}

/** A bulk answer carries a result per job; counts each job by its own status where it says one. */
function countBatch(answer: { status: number; body: unknown }, jobs: number, count: (status: number, jobs: number) => void): void {
  const results = (answer.body as { results?: { status?: number }[] } | undefined)?.results;
  if (answer.status >= 300 || !Array.isArray(results)) {
    count(answer.status, jobs);
    return;
  }
  for (const result of results) count(typeof result.status === "number" ? result.status : answer.status, 1);
}
