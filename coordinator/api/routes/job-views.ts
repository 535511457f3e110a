import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  DagResponse,
  errorResponses,
  EventsResponse,
  ExplainQuery,
  ExplainResponse,
  isoTime,
  isTerminal,
  JobIdParams,
  RunsResponse,
  WhyAnswer,
} from "../../../contracts/index.js";
import { queryInteger } from "../../../contracts/query-values.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

const EventsQuery = z
  .object({ after: queryInteger(-1, Number.MAX_SAFE_INTEGER).optional().meta({ description: "only events with a larger seq (the lastSeq of the previous call); -1 or none: every event" }) })
  .strict();

/** What operators read about one job: runs, timeline, score, why it waits, its graph. */
export function registerJobViewRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const errors = errorResponses(400, 401, 403, 404, 429, 503);

  api.get(
    "/fleet/jobs/:id/runs",
    { schema: { tags: ["jobs"], summary: "Attempts of a job", params: JobIdParams, response: { 200: RunsResponse, ...errors } }, preHandler: operator },
    async (request) => ({ items: await ctx.coordinator.runs(productScope(operatorOf(request)), request.params.id) }),
  );

  api.get(
    "/fleet/jobs/:id/events",
    {
      schema: {
        tags: ["jobs"],
        summary: "The job's timeline, oldest first; ?after=SEQ for what is new since a previous call",
        params: JobIdParams,
        querystring: EventsQuery,
        response: { 200: EventsResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const { job, events } = await ctx.coordinator.events(productScope(operatorOf(request)), request.params.id, request.query.after);
      return {
        items: events.map((event) => ({ ...event, at: isoTime(event.at) })),
        lastSeq: job.nextEventSeq - 1,
        stage: job.stage,
        terminal: isTerminal(job.stage),
      };
    },
  );

  api.get(
    "/fleet/jobs/:id/explain",
    {
      schema: {
        tags: ["jobs"],
        summary: "Every term of the job's score and of each pool's eligibility",
        params: JobIdParams,
        querystring: ExplainQuery,
        response: { 200: ExplainResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const override = Object.fromEntries(Object.entries(request.query).filter(([, v]) => v !== undefined));
      return ctx.coordinator.explain(productScope(operatorOf(request)), request.params.id, Object.keys(override).length === 0 ? undefined : override);
    },
  );

  api.get(
    "/fleet/jobs/:id/why",
    {
      schema: {
        tags: ["jobs"],
        summary: "Why the job is where it is: one sentence and the facts behind it",
        description: "Codes: finished, running, awaiting_accept, deps_unmet, retry_backoff, no_capable_pool, pool_down, pool_paused, capacity_window, behind_higher_priority, next_pass; the list may grow, so show `message` for a code you do not know.",
        params: JobIdParams,
        response: { 200: WhyAnswer, ...errors },
      },
      preHandler: operator,
    },
    async (request) => ctx.coordinator.why(productScope(operatorOf(request)), request.params.id),
  );

  api.get(
    "/fleet/jobs/:id/dag",
    { schema: { tags: ["dag"], summary: "The job's dependency graph and children", params: JobIdParams, response: { 200: DagResponse, ...errors } }, preHandler: operator },
    async (request) => ctx.coordinator.dag(productScope(operatorOf(request)), request.params.id),
  );
}
