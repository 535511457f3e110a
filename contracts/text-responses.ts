import { z } from "zod";

/**
 * The answers that are not JSON, for the OpenAPI document: the live event streams (Server-Sent
 * Events, `text/event-stream`) and the Prometheus scrape (`text/plain`). Each is a text schema whose
 * description says what the body carries and whose example is a real body.
 */

const JOB_ID = "j-4b1c0a9e1f2d3c4b5a69788776655443";

const frame = (id: string | number, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** What every stream sends first: the reconnection delay and a comment. */
const OPENING = "retry: 2000\n: connected\n\n";

export const JobEventStream = z
  .string()
  .meta({
    id: "JobEventStream",
    description: [
      "Server-Sent Events, one per timeline entry of the job, oldest first, then live ones as they commit.",
      "- `job.event`, with `id: <seq>`: the timeline entry (seq, type, at in epoch milliseconds, actor, epoch, data) and its jobId. Send the last id as `Last-Event-ID` to resume with exactly the entries after it.",
      "- `error`: `{ code: SLOW_CLIENT | SHUTTING_DOWN, message }`, the last frame before the coordinator closes the stream; reconnect with Last-Event-ID.",
      "- comment lines (`: heartbeat <time>`) every 15 s keep proxies from closing an idle stream.",
    ].join("\n"),
    example:
      OPENING +
      frame(0, "job.event", { seq: 0, type: "submitted", at: 1769851800000, actor: "coordinator", epoch: 0, data: { stage: "queued", revision: 1 }, jobId: JOB_ID }) +
      frame(1, "job.event", { seq: 1, type: "assigned", at: 1769851800020, actor: "coordinator", epoch: 1, data: { pool: "general" }, jobId: JOB_ID }),
  });

export const FleetEventStream = z
  .string()
  .meta({
    id: "FleetEventStream",
    description: [
      "Server-Sent Events about the fleet, in the key's product scope (pool samples go to every operator). Ids are `<boot>-<n>`, monotonic per coordinator process; send the last one as `Last-Event-ID` to resume.",
      "- `hello` (first, without Last-Event-ID): `{ lastEventId }`, the id to resume from.",
      "- `reset` (first, when Last-Event-ID cannot be resumed here: another process, or older than its memory): `{ reason }`; reload what you show, then carry on live.",
      "- `job.stage`: a job changed stage: jobId, productId, idempotencyKey, title, priority, pool, from (null for a new job), to, reason, at.",
      "- `dead_letter`, `dead_letter.discarded`: jobId, productId, idempotencyKey, title, pool, source (broker, retries, operator), reason, at.",
      "- `control`: what a lever did or caused: kind (e.g. budget.ceiling_reached, pool.draining, job.preempted, schedule.submitted), at, productId, pool, jobId, details.",
      "- `pool.scale`: a pool's scale changed: pool, at, desiredReplicas, actualReplicas, subscriptionActiveMessages, inFlightLeases, awaitingAccept.",
      "- `error`: `{ code: SLOW_CLIENT | SHUTTING_DOWN, message }`, the last frame before the coordinator closes the stream.",
      "Times are ISO 8601. Comment lines (`: heartbeat <time>`) every 15 s.",
    ].join("\n"),
    example:
      OPENING +
      frame("5f0c2a9e-41", "hello", { lastEventId: "5f0c2a9e-41" }) +
      frame("5f0c2a9e-42", "job.stage", {
        jobId: JOB_ID,
        productId: "acme",
        idempotencyKey: "build-api",
        title: "Build the API",
        priority: "high",
        pool: "general",
        from: "assigned",
        to: "building",
        at: "2026-01-31T09:30:00.120Z",
      }) +
      frame("5f0c2a9e-43", "pool.scale", {
        pool: "general",
        at: "2026-01-31T09:30:05.000Z",
        desiredReplicas: 2,
        actualReplicas: 2,
        subscriptionActiveMessages: 0,
        inFlightLeases: 2,
        awaitingAccept: 0,
      }),
  });

export const PrometheusMetrics = z
  .string()
  .meta({
    id: "PrometheusMetrics",
    description: "The Prometheus text exposition format (0.0.4): the metrics deploy/monitoring's dashboard and alert rules use, and the process's own",
    example: [
      "# HELP fleet_jobs_active Active (non-terminal) jobs by stage",
      "# TYPE fleet_jobs_active gauge",
      'fleet_jobs_active{stage="queued"} 12',
      'fleet_jobs_active{stage="building"} 4',
      "# HELP fleet_auth_failures_total Requests refused by authentication (401 or 403), by the kind of credential presented",
      "# TYPE fleet_auth_failures_total counter",
      'fleet_auth_failures_total{kind="factory"} 3',
      "",
    ].join("\n"),
  });

/** A route's success answer in a text media type, for `response: { 200: textResponse(...) }`. */
export function textResponse(mediaType: "text/event-stream" | "text/plain", schema: z.ZodString, description: string) {
  return { description, content: { [mediaType]: { schema } } };
}
