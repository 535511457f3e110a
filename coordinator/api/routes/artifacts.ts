import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  ArtifactBytes,
  ArtifactDeleteResponse,
  ArtifactIdParams,
  ArtifactLinkResponse,
  ArtifactListResponse,
  errorResponse,
  errorResponses,
  FleetError,
  JobIdParams,
  LogChunkResponse,
  LogQuery,
  RunLogParams,
} from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

const UNAVAILABLE = errorResponse(503, "ARTIFACTS_UNAVAILABLE or STORE_UNAVAILABLE: no artifact store is configured here, it does not answer, or it cannot sign links; the message says which");
const NOT_FOUND = errorResponse(404, "NOT_FOUND: no such job, attempt or artifact in the token's product, or its bytes were deleted");

/** An attempt's log and files: listed from the job's pointers, served from the artifact store. */
export function registerArtifactRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const errors = { ...errorResponses(400, 401, 403, 429), ...NOT_FOUND, ...UNAVAILABLE };

  api.get(
    "/fleet/jobs/:id/artifacts",
    { schema: { tags: ["artifacts"], summary: "Every attempt's log and files: state, size, upload time, expiry and download path", params: JobIdParams, response: { 200: ArtifactListResponse, ...errors } }, preHandler: operator },
    async (request) => ctx.artifacts.list(productScope(operatorOf(request)), request.params.id),
  );

  api.get(
    "/fleet/jobs/:id/runs/:epoch/log",
    {
      schema: {
        tags: ["artifacts"],
        summary: "A piece of an attempt's log from ?offset= (poll with nextOffset while live is true): the log streams to Blob Storage while the attempt runs",
        params: RunLogParams,
        querystring: LogQuery,
        response: { 200: LogChunkResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => ctx.artifacts.log(productScope(operatorOf(request)), request.params.id, request.params.epoch, request.query.offset, request.query.limit),
  );

  api.get(
    "/fleet/artifacts/:id",
    {
      schema: {
        tags: ["artifacts"],
        summary: "Download an artifact: its bytes streamed from the artifact store, in the token's product only",
        params: ArtifactIdParams,
        response: { 200: { description: "the artifact's bytes", content: { "application/octet-stream": { schema: ArtifactBytes } } }, ...errors },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const artifact = await ctx.artifacts.open(productScope(operatorOf(request)), request.params.id);
      return reply
        .type(artifact.contentType)
        .header("content-length", String(artifact.bytes))
        .header("content-disposition", `attachment; filename="${artifact.name.replace(/[^A-Za-z0-9._-]/g, "_")}"`)
        .header("cache-control", "no-store")
        // A stream is sent as it is (never serialized); the schema above documents its bytes.
        .send(artifact.body as unknown as string);
    },
  );

  api.get(
    "/fleet/artifacts/:id/link",
    {
      schema: {
        tags: ["artifacts"],
        summary: "A short-lived, read-only signed URL for one artifact (user-delegation SAS where the coordinator reaches Blob Storage with managed identity)",
        params: ArtifactIdParams,
        response: { 200: ArtifactLinkResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => ctx.artifacts.link(productScope(operatorOf(request)), request.params.id),
  );

  api.delete(
    "/fleet/artifacts/:id",
    {
      schema: {
        tags: ["artifacts"],
        summary: "Delete an artifact's bytes (operators; idempotent): its pointer stays on the job, marked deleted",
        params: ArtifactIdParams,
        response: { 200: ArtifactDeleteResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      if (principal.role === "load-tester") throw new FleetError("FORBIDDEN", "a load-tester key cannot delete artifacts: use an operator key of the product", undefined, { hint: false });
      return ctx.artifacts.remove(productScope(principal), request.params.id, principal.credentialId);
    },
  );
}
