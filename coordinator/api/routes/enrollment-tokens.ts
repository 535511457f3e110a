import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  CreatedEnrollmentTokenResponse,
  CreateEnrollmentTokenBody,
  CredentialIdParams,
  EnrollmentTokenListResponse,
  errorResponse,
  errorResponses,
  RevokedCredentialResponse,
} from "../../../contracts/index.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Enrollment tokens: what a factory container exchanges for its own token at start. */
export function registerEnrollmentTokenRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);

  api.post(
    "/fleet/enrollment-tokens",
    {
      schema: {
        tags: ["credentials"],
        summary: "Issue an enrollment token for one pool of one product (single use, maxUses, or any number until it expires); the token is shown once",
        body: CreateEnrollmentTokenBody,
        // 400 also names a pool that is not in the topology; 403 a key that may not issue for the product.
        response: { 201: CreatedEnrollmentTokenResponse, ...errorResponses(400, 401, 403, 429, 503) },
      },
      onRequest: operator,
    },
    async (request, reply) => reply.status(201).send(await ctx.enrollment.createToken(operatorOf(request), request.body)),
  );

  api.get(
    "/fleet/enrollment-tokens",
    {
      schema: {
        tags: ["credentials"],
        summary: "Enrollment tokens in the caller's scope with their state and uses (never their secrets)",
        response: { 200: EnrollmentTokenListResponse, ...errorResponses(401, 403, 429, 503) },
      },
      onRequest: operator,
    },
    async (request) => ctx.enrollment.listTokens(operatorOf(request)),
  );

  api.post(
    "/fleet/enrollment-tokens/:id/revoke",
    {
      schema: {
        tags: ["credentials"],
        summary: "Revoke an enrollment token (factory tokens it already minted stay valid)",
        params: CredentialIdParams,
        response: {
          200: RevokedCredentialResponse,
          ...errorResponses(400, 401, 403, 429, 503),
          ...errorResponse(404, "NOT_FOUND: no active enrollment token of that id visible to this credential"),
        },
      },
      onRequest: operator,
    },
    async (request) => ctx.enrollment.revokeToken(operatorOf(request), request.params.id),
  );
}
