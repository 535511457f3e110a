import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  errorResponse,
  errorResponses,
  PauseScheduleBody,
  PutScheduleBody,
  ScheduleListResponse,
  ScheduleParams,
  ScheduleQuery,
  ScheduleResponse,
} from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { productOfKey } from "./product-access.js";

/** Recurring submissions: a cron expression in a time zone, an overlap policy, a job template. */
export function registerScheduleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  // 403 also answers a fleet-wide key: a schedule belongs to one product, whose own key manages it.
  const notFound = errorResponse(404, "NOT_FOUND: no schedule of that name in the key's product");
  const errors = { ...errorResponses(400, 401, 403, 429, 503), ...notFound };

  api.get(
    "/fleet/schedules",
    {
      schema: { tags: ["schedules"], summary: "The product's schedules (every product's for a fleet-wide key)", response: { 200: ScheduleListResponse, ...errorResponses(401, 403, 429, 503) } },
      preHandler: operator,
    },
    async (request) => ({ items: ctx.coordinator.listSchedules(productScope(operatorOf(request))) }),
  );

  api.get(
    "/fleet/schedules/:name",
    { schema: { tags: ["schedules"], summary: "A schedule with its next run times", params: ScheduleParams, querystring: ScheduleQuery, response: { 200: ScheduleResponse, ...errors } }, preHandler: operator },
    async (request) => ctx.coordinator.schedule(productOfKey(operatorOf(request), "a schedule"), request.params.name, request.query.next),
  );

  api.put(
    "/fleet/schedules/:name",
    {
      schema: {
        tags: ["schedules"],
        summary: "Create or change a schedule; each occurrence is submitted with the idempotency key schedule:<name>:<occurrence ms>",
        params: ScheduleParams,
        body: PutScheduleBody,
        // 400 also names a cron expression or time zone that does not parse, and capabilities no pool has.
        response: {
          200: ScheduleResponse.meta({ description: "the schedule was changed" }),
          201: ScheduleResponse.meta({ description: "the schedule was created" }),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const productId = productOfKey(operatorOf(request), "a schedule");
      const result = await ctx.coordinator.putSchedule(productId, request.params.name, request.body);
      ctx.kick();
      return reply.status(result.created ? 201 : 200).send(ctx.coordinator.schedule(productId, request.params.name));
    },
  );

  api.post(
    "/fleet/schedules/:name/pause",
    {
      schema: {
        tags: ["schedules"],
        summary: "Pause a schedule: nothing is submitted until it is resumed",
        params: ScheduleParams,
        body: PauseScheduleBody.nullish(), // a POST without a body gives the default reason
        response: { 200: ScheduleResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const productId = productOfKey(operatorOf(request), "a schedule");
      await ctx.coordinator.pauseSchedule(productId, request.params.name, PauseScheduleBody.parse(request.body ?? {}).reason);
      return ctx.coordinator.schedule(productId, request.params.name);
    },
  );

  api.post(
    "/fleet/schedules/:name/resume",
    {
      schema: {
        tags: ["schedules"],
        summary: "Resume a schedule from its next occurrence after now (paused-over occurrences are not made up)",
        params: ScheduleParams,
        response: { 200: ScheduleResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const productId = productOfKey(operatorOf(request), "a schedule");
      await ctx.coordinator.resumeSchedule(productId, request.params.name);
      ctx.kick();
      return ctx.coordinator.schedule(productId, request.params.name);
    },
  );

  api.delete(
    "/fleet/schedules/:name",
    {
      schema: { tags: ["schedules"], summary: "Delete a schedule (jobs it submitted are kept)", params: ScheduleParams, response: { 204: z.undefined().meta({ description: "deleted; no body" }), ...errors } },
      preHandler: operator,
    },
    async (request, reply) => {
      await ctx.coordinator.deleteSchedule(productOfKey(operatorOf(request), "a schedule"), request.params.name);
      return reply.status(204).send();
    },
  );
}
