import type { JobDoc, JobEvent } from "../../contracts/index.js";
import { percentile } from "../../chaos/live/percentile.js";
import type { SubmitClient } from "./submit-client.js";

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface Timeline {
  jobs: number;
  shipped: number;
  submitToAccept: LatencyFigures;
  /** Where submit-to-accept goes: submit to the assignment's commit (scheduling), and from it to
   * the accept (relay, broker, the agent's receive and its accept call). */
  submitToAssigned: LatencyFigures;
  assignedToAccept: LatencyFigures;
  submitToShipped: LatencyFigures;
  /** From the first submission to the last job shipped. */
  firstSubmitToLastShippedSeconds: number;
}

const MAX_PAGES = 10_000;

/** Every job document whose idempotency key starts with the prefix (paged, after the run). */
async function jobsWithPrefix(client: SubmitClient, keyPrefix: string): Promise<JobDoc[]> {
  const jobs: JobDoc[] = [];
  let continuation: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ view: "full", limit: "500", keyPrefix, sort: "createdAt" });
    if (continuation !== undefined) query.set("continuation", continuation);
    const answer = await client.request("GET", `/fleet/jobs?${query}`);
    if (answer.status !== 200) throw new Error(`GET /fleet/jobs answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    const body = answer.body as { items: JobDoc[]; continuation?: string };
    jobs.push(...body.items);
    continuation = body.continuation;
    if (continuation === undefined) break;
  }
  return jobs;
}

/** The job's events: inline on the document, or from its events route where they are kept apart. */
async function eventsOf(client: SubmitClient, job: JobDoc): Promise<JobEvent[]> {
  if (Array.isArray(job.events) && job.events.some((event) => event.type === "accepted")) return job.events;
  const answer = await client.request("GET", `/fleet/jobs/${encodeURIComponent(job.id)}/events?limit=500`);
  if (answer.status !== 200) return job.events ?? [];
  const body = answer.body as { items?: JobEvent[]; events?: JobEvent[] };
  return body.items ?? body.events ?? job.events ?? [];
}

const isShipped = (event: JobEvent) => event.type === "shipped" || (event.data as { to?: unknown } | undefined)?.to === "shipped";

/**
 * Latencies from the submitter's clock (when each request was handed to the client) to the job's
 * `accepted` event and to the event that shipped it (the coordinator's clock: the same machine),
 * read from the job documents once the phase is over, so measuring adds no load while it runs.
 */
export async function readTimeline(client: SubmitClient, keyPrefix: string, sentAt: Map<string, number>): Promise<Timeline> {
  const jobs = await jobsWithPrefix(client, keyPrefix);
  const toAccept: number[] = [];
  const toAssigned: number[] = [];
  const assignedToAccept: number[] = [];
  const toShipped: number[] = [];
  let lastShipped = 0;
  let shipped = 0;
  for (const job of jobs) {
    const sent = sentAt.get(job.idempotencyKey);
    if (sent === undefined) continue;
    if (job.stage === "shipped") shipped++;
    const events = await eventsOf(client, job);
    const assigned = events.find((event) => event.type === "assigned");
    const accepted = events.find((event) => event.type === "accepted");
    const done = events.find(isShipped);
    if (assigned !== undefined) toAssigned.push(assigned.at - sent);
    if (accepted !== undefined) toAccept.push(accepted.at - sent);
    if (assigned !== undefined && accepted !== undefined) assignedToAccept.push(accepted.at - assigned.at);
    if (done !== undefined) {
      toShipped.push(done.at - sent);
      lastShipped = Math.max(lastShipped, done.at);
    }
  }
  const first = Math.min(...sentAt.values());
  return {
    jobs: jobs.length,
    shipped,
    submitToAccept: figures(toAccept),
    submitToAssigned: figures(toAssigned),
    assignedToAccept: figures(assignedToAccept),
    submitToShipped: figures(toShipped),
    firstSubmitToLastShippedSeconds: lastShipped === 0 ? 0 : (lastShipped - first) / 1000,
  };
}

function figures(values: number[]): LatencyFigures {
  return { p50Ms: percentile(values, 0.5), p99Ms: percentile(values, 0.99), maxMs: values.length === 0 ? 0 : Math.max(...values), samples: values.length };
}
