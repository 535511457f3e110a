import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  errorResponse,
  errorResponses,
  PauseBody,
  PausePoolBody,
  PausesResponse,
  PoolNameParams,
  PoolPauseResponse,
  ProductIdParams,
  ProductPauseResponse,
} from "../../../contracts/index.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { assertFleetWide, assertProductAccess } from "./product-access.js";

/** Pause and resume products and pools; drain a pool. Every change is recorded with its reason. */
export function registerPauseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const productErrors = errorResponses(400, 401, 403, 429, 503);
  const poolErrors = { ...errorResponses(400, 401, 403, 429, 503), ...errorResponse(404, "NOT_FOUND: no pool of that name in the topology (the message lists them)") };

  api.get(
    "/fleet/pauses",
    { schema: { tags: ["pauses"], summary: "Every product's and pool's pause state", response: { 200: PausesResponse, ...errorResponses(401, 403, 429, 503) } }, preHandler: operator },
    async (request) => {
      const principal = operatorOf(request);
      const products = ctx.coordinator.productStates().filter((state) => principal.productId === "*" || state.productId === principal.productId);
      return { products, pools: ctx.coordinator.poolViews().map((pool) => ctx.coordinator.poolPauseOf(pool.definition.name)!) };
    },
  );

  // A product's pause lives with its budget: the same two routes under both prefixes.
  for (const [prefix, tag] of [
    ["/fleet/products/:productId", "pauses"],
    ["/fleet/budgets/:productId", "budgets"],
  ] as const) {
    api.post(
      `${prefix}/pause`,
      {
        schema: {
          tags: [tag],
          summary:
            "Pause the product: no new assignments; mode finish (default: running jobs finish), drain (withdraw unaccepted assignments) or stop (also stop running jobs at their next renewal)",
          params: ProductIdParams,
          body: PauseBody.nullish(), // a POST without a body pauses with the defaults
          response: { 200: ProductPauseResponse, ...productErrors },
        },
        preHandler: operator,
      },
      async (request) => {
        const principal = operatorOf(request);
        assertProductAccess(principal, request.params.productId);
        const state = await ctx.coordinator.pauseProduct(request.params.productId, PauseBody.parse(request.body ?? {}), principal.credentialId);
        ctx.kick();
        return state;
      },
    );
    api.post(
      `${prefix}/resume`,
      {
        schema: { tags: [tag], summary: "Lift the operator's pause (a product over its ceiling stays paused by it)", params: ProductIdParams, response: { 200: ProductPauseResponse, ...productErrors } },
        preHandler: operator,
      },
      async (request) => {
        const principal = operatorOf(request);
        assertProductAccess(principal, request.params.productId);
        const state = await ctx.coordinator.resumeProduct(request.params.productId, principal.credentialId);
        ctx.kick();
        return state;
      },
    );
  }

  for (const action of ["pause", "drain"] as const) {
    api.post(
      `/fleet/pools/:name/${action}`,
      {
        schema: {
          tags: ["pauses"],
          summary:
            action === "pause"
              ? "Pause a pool: it receives no new assignments (fleet-wide key)"
              : "Drain a pool: pause it, withdraw its unaccepted assignments, and ask its agents (at their next renewal or heartbeat) to finish and exit",
          params: PoolNameParams,
          body: PausePoolBody.nullish(), // a POST without a body gives the default reason
          response: { 200: PoolPauseResponse, ...poolErrors },
        },
        preHandler: operator,
      },
      async (request) => {
        const principal = operatorOf(request);
        assertFleetWide(principal, `${action === "pause" ? "pausing" : "draining"} a pool`);
        const body = PausePoolBody.parse(request.body ?? {});
        const state = await ctx.coordinator.pausePool(request.params.name, body.reason, principal.credentialId, action === "drain");
        ctx.kick();
        return state;
      },
    );
  }

  api.post(
    "/fleet/pools/:name/resume",
    { schema: { tags: ["pauses"], summary: "Resume a paused or draining pool (fleet-wide key)", params: PoolNameParams, response: { 200: PoolPauseResponse, ...poolErrors } }, preHandler: operator },
    async (request) => {
      const principal = operatorOf(request);
      assertFleetWide(principal, "resuming a pool");
      const state = await ctx.coordinator.resumePool(request.params.name, principal.credentialId);
      ctx.kick();
      return state;
    },
  );
}
