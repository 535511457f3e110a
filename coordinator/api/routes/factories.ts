import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  DeregisteredFactoryResponse,
  DeregisterFactoryQuery,
  EnrollBody,
  EnrolledFactoryResponse,
  errorResponse,
  errorResponses,
  FactoryIdParams,
  FactoryListResponse,
  FleetError,
  HeartbeatBody,
  HeartbeatResponse,
  ListFactoriesQuery,
  RevokedCredentialResponse,
  RotatedTokenResponse,
  RotateTokenBody,
} from "../../../contracts/index.js";
import { mayActOnFactory } from "../../auth/credential-access.js";
import { ALL_PRODUCTS, productScope } from "../../auth/principal.js";
import { enrollmentOf, factoryOf, operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** The factory registry and the factory side of credentials: enroll, heartbeat, rotate, revoke,
 * deregister, and the operators' list. */
export function registerFactoryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const factory = requireRole(ctx.credentials, "factory", ctx.limiter);
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const enrollment = requireRole(ctx.credentials, "enrollment", ctx.limiter);
  const factoryOrOperator = requireRole(ctx.credentials, "any", ctx.limiter);
  const errors = errorResponses(400, 401, 403, 429, 503);
  // Another product's factory, or a factory this credential may not act on, is NOT_FOUND too.
  const factoryErrors = { ...errors, ...errorResponse(404, "NOT_FOUND: no such factory (or enrolled token) visible to this credential") };

  api.post(
    "/fleet/factories/enroll",
    {
      schema: {
        tags: ["factories"],
        summary: "Exchange an enrollment token (the bearer token) for a factory token bound to one factory id",
        body: EnrollBody.nullish(),
        response: {
          201: EnrolledFactoryResponse,
          ...errors,
          ...errorResponse(401, "UNAUTHENTICATED: no token, or an unknown, expired, used-up or revoked enrollment token"),
          ...errorResponse(403, "FORBIDDEN: the bearer token is not an enrollment token"),
          ...errorResponse(409, "ALREADY_EXISTS: the factory id is enrolled already with an active token; pick another, or leave it out"),
        },
      },
      onRequest: enrollment,
    },
    async (request, reply) => reply.status(201).send(await ctx.enrollment.enroll(enrollmentOf(request), request.body ?? {})),
  );

  api.post(
    "/fleet/factories/heartbeat",
    {
      schema: {
        tags: ["factories"],
        summary: "Factory liveness and load; answers with the pool the token belongs to. `drain` in the answer: finish, take no new work, exit",
        body: HeartbeatBody,
        response: { 200: HeartbeatResponse, ...errors },
      },
      onRequest: factory,
    },
    async (request) => {
      const principal = factoryOf(request);
      const answer = await ctx.factories.heartbeat(principal, request.body);
      // The token's pool, so an agent can check at start that it was configured for it.
      return {
        ...answer,
        pool: principal.pool,
        poolInTopology: ctx.coordinator.poolView(principal.pool) !== undefined,
        ...ctx.coordinator.heartbeatDirectives(principal.pool),
      };
    },
  );

  api.get(
    "/fleet/factories",
    {
      schema: {
        tags: ["factories"],
        summary: "Factories with pool, version, seats, load, health, last heartbeat and the jobs they hold (live and stale)",
        querystring: ListFactoriesQuery,
        response: { 200: FactoryListResponse, ...errors },
      },
      onRequest: operator,
    },
    async (request) => ctx.factories.list(productScope(operatorOf(request)), request.query),
  );

  api.post(
    "/fleet/factories/:id/token/rotate",
    {
      schema: {
        tags: ["factories"],
        summary: "New token for an enrolled factory (by the factory itself or an operator); the previous one works for graceSeconds",
        params: FactoryIdParams,
        body: RotateTokenBody.nullish(), // a POST without a body is a request for the defaults
        response: { 200: RotatedTokenResponse, ...factoryErrors },
      },
      onRequest: factoryOrOperator,
    },
    async (request) => ctx.credentialBook.rotateFactoryToken(request.principal!, request.params.id, request.body?.graceSeconds ?? RotateTokenBody.parse({}).graceSeconds),
  );

  api.post(
    "/fleet/factories/:id/token/revoke",
    {
      schema: {
        tags: ["factories"],
        summary: "Revoke an enrolled factory's token on every coordinator within a second",
        params: FactoryIdParams,
        response: { 200: RevokedCredentialResponse, ...factoryErrors },
      },
      onRequest: factoryOrOperator,
    },
    async (request) => ctx.credentialBook.revokeFactoryToken(request.principal!, request.params.id),
  );

  api.post(
    "/fleet/factories/:id/deregister",
    {
      schema: {
        tags: ["factories"],
        summary: "A clean exit: remove the factory from the registry and revoke its enrolled token (by the factory itself or an operator)",
        params: FactoryIdParams,
        querystring: DeregisterFactoryQuery,
        response: { 200: DeregisteredFactoryResponse, ...factoryErrors },
      },
      onRequest: factoryOrOperator,
    },
    async (request) => {
      const caller = request.principal!;
      const productId = caller.productId === ALL_PRODUCTS ? request.query.productId : caller.productId;
      if (productId === undefined) {
        throw new FleetError("VALIDATION", "a fleet-wide key must name the factory's product (?productId=)", { fields: [{ field: "querystring.productId", message: "required" }] });
      }
      const target = { factoryId: request.params.id, productId };
      if (!mayActOnFactory(caller, target)) throw new FleetError("NOT_FOUND", `no factory '${request.params.id}' visible to this credential`);
      const removed = await ctx.factories.deregister(target.productId, target.factoryId);
      const tokenRevoked = await ctx.credentialBook.revokeFactoryToken(caller, target.factoryId).then(
        () => true,
        (error: unknown) => {
          // No enrolled token (a pool-token factory) or already revoked: nothing more to do.
          if (error instanceof FleetError && error.code === "NOT_FOUND") return false;
          throw error;
        },
      );
      return { factoryId: target.factoryId, removed, tokenRevoked };
    },
  );
}
