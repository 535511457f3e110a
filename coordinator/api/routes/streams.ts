import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { FleetStreamQuery, type JobStreamEvent } from "../../../contracts/event-stream.js";
import { errorResponse, errorResponses, FleetError, FleetEventStream, type JobEvent, JobEventStream, JobIdParams, textResponse } from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import type { FleetRecord } from "../../service/fleet-event-ring.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { sseFrame } from "../sse-stream.js";

/**
 * The live event streams (Server-Sent Events), served from the coordinator's memory: the event hub
 * is fed by every committed job change, so an open stream never costs a store read per event.
 * Authenticated like every route (Authorization header; a browser uses fetch streaming, never a
 * token in the URL) and scoped to the token's product.
 */
export function registerStreamRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const streams = ctx.streams;
  if (streams === undefined) return;
  const { hub, registry } = streams;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const tooMany = errorResponse(429, "RATE_LIMITED: too many requests, or too many open streams for this credential or this coordinator; retry after Retry-After");
  // An open stream would keep the listener from closing: end them all first.
  app.addHook("preClose", async () => registry.closeAll());

  api.get(
    "/fleet/jobs/:id/events/stream",
    {
      schema: {
        tags: ["streams"],
        summary: "The job's timeline as Server-Sent Events (id = seq; Last-Event-ID resumes exactly)",
        description:
          "Without Last-Event-ID: the whole timeline, then live events. With it: exactly the events after that seq, then live ones. Each event is `event: job.event` with the timeline entry as JSON. Heartbeat comments every 15 s; a client too slow to read gets a final `event: error` and is cut off.",
        params: JobIdParams,
        response: {
          200: textResponse("text/event-stream", JobEventStream, "The job's timeline, then live events, until the client disconnects"),
          // 400: a Last-Event-ID that is not a job event seq.
          ...errorResponses(400, 401, 403, 404, 503),
          ...tooMany,
        },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const principal = operatorOf(request);
      const scope = productScope(principal);
      const jobId = request.params.id;
      const after = jobCursor(request.headers["last-event-id"]);
      const reservation = registry.reserve(principal.credentialId);
      // Subscribe before reading the backlog so nothing committed meanwhile is missed; the seq
      // check below drops what the backlog already had.
      const early: JobStreamEvent[] = [];
      let deliver: ((event: JobStreamEvent) => void) | undefined;
      const unsubscribe = hub.subscribeJob(jobId, (event) => (deliver === undefined ? early.push(event) : deliver(event)));
      let backlog: JobEvent[];
      try {
        const held = hub.jobs.since(jobId, after);
        if (held !== undefined) {
          if (scope !== undefined && held.productId !== scope) throw new FleetError("NOT_FOUND", `job ${jobId} not found`);
          backlog = held.events;
        } else {
          // Older than memory holds (or a job not changed since this process started): one read
          // of the job's timeline from the store, then live.
          backlog = (await ctx.coordinator.events(scope, jobId, after)).events.filter((event) => event.seq > after);
        }
      } catch (error) {
        unsubscribe();
        reservation.cancel();
        throw error;
      }
      reply.hijack();
      const stream = reservation.start(reply.raw);
      stream.onClose(unsubscribe);
      let last = after;
      const send = (event: JobStreamEvent) => {
        if (event.seq <= last) return;
        last = event.seq;
        stream.write(sseFrame("job.event", event, event.seq));
      };
      for (const event of backlog) send({ ...event, jobId });
      for (const event of early) send(event);
      deliver = send;
      return reply;
    },
  );

  const frames = new WeakMap<FleetRecord, string>();
  const frameOf = (record: FleetRecord): string => {
    let frame = frames.get(record);
    if (frame === undefined) {
      frame = sseFrame(record.event.type, record.event.data, record.id);
      frames.set(record, frame);
    }
    return frame;
  };

  api.get(
    "/fleet/events/stream",
    {
      schema: {
        tags: ["streams"],
        summary: "Fleet events as Server-Sent Events: job stage changes, dead letters, pool scale changes",
        description:
          "For the token's product (all products for a fleet-wide token); pool scale samples go to every operator. Filters are comma lists and each one an event must match: `pool`, `stage` (job stage changes into these stages), `job`. Ids are `<boot>-<n>`, monotonic per coordinator process; a Last-Event-ID this process cannot resume gets `event: reset` (reload, then carry on live). The first event, `hello`, carries the current id.",
        querystring: FleetStreamQuery,
        response: {
          200: textResponse("text/event-stream", FleetEventStream, "Fleet events as they happen, until the client disconnects"),
          ...errorResponses(400, 401, 403, 503),
          ...tooMany,
        },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const principal = operatorOf(request);
      const scope = productScope(principal);
      const filter = request.query;
      const lastEventId = header(request.headers["last-event-id"]);
      const reservation = registry.reserve(principal.credentialId);
      const wanted = (record: FleetRecord): boolean =>
        (scope === undefined || record.productId === undefined || record.productId === scope) &&
        (filter.job === undefined || (record.jobId !== undefined && filter.job.includes(record.jobId))) &&
        (filter.stage === undefined || (record.stage !== undefined && (filter.stage as string[]).includes(record.stage))) &&
        (filter.pool === undefined || (record.pool !== undefined && filter.pool.includes(record.pool)));
      const missed = lastEventId === undefined ? [] : hub.fleet.after(lastEventId);
      reply.hijack();
      const stream = reservation.start(reply.raw);
      if (missed === undefined) {
        stream.write(sseFrame("reset", { reason: "the events since Last-Event-ID are no longer held by this coordinator (it restarted or they are too old): reload, then follow the stream" }, hub.fleet.lastId));
      } else if (lastEventId === undefined) {
        stream.write(sseFrame("hello", { lastEventId: hub.fleet.lastId }, hub.fleet.lastId));
      }
      for (const record of missed ?? []) if (wanted(record)) stream.write(frameOf(record));
      // No await since the replay was read, so nothing can fall between it and the subscription.
      const unsubscribe = hub.subscribeFleet((record) => {
        if (wanted(record)) stream.write(frameOf(record));
      });
      stream.onClose(unsubscribe);
      return reply;
    },
  );
}

function header(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

/** The last seq a job stream's client has: Last-Event-ID, or -1 (send everything). */
function jobCursor(value: string | string[] | undefined): number {
  const text = header(value);
  if (text === undefined) return -1;
  if (!/^-?\d+$/.test(text) || Number(text) < -1 || !Number.isSafeInteger(Number(text))) {
    throw new FleetError("VALIDATION", `Last-Event-ID '${text.slice(0, 40)}' is not a job event seq: send the id of the last event received`, {
      fields: [{ field: "headers.last-event-id", message: "expected an integer seq" }],
    });
  }
  return Number(text);
}
