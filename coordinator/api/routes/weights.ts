import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { errorResponses, ProductIdParams, ProductWeightsResponse, PutWeightsBody, WeightsListResponse } from "../../../contracts/index.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { assertProductAccess } from "./product-access.js";

/** Per-product fair shares and score weights (the API's values override the topology's, per field). */
export function registerWeightRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  // No 404: a product nothing was set for has the topology's settings or the defaults.
  const errors = errorResponses(400, 401, 403, 429, 503);

  api.get(
    "/fleet/weights",
    {
      schema: { tags: ["weights"], summary: "Fair shares and score weights of every product with settings", response: { 200: WeightsListResponse, ...errorResponses(401, 403, 429, 503) } },
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      return { items: ctx.coordinator.allProductWeights().filter((item) => principal.productId === "*" || item.productId === principal.productId) };
    },
  );

  api.get(
    "/fleet/weights/:productId",
    { schema: { tags: ["weights"], summary: "A product's fair share and resolved score weights, with their sources", params: ProductIdParams, response: { 200: ProductWeightsResponse, ...errors } }, preHandler: operator },
    async (request) => {
      assertProductAccess(operatorOf(request), request.params.productId);
      return ctx.coordinator.productWeights(request.params.productId);
    },
  );

  api.put(
    "/fleet/weights/:productId",
    {
      schema: {
        tags: ["weights"],
        summary: "Set a product's fair share and score weights (age must be >= 0; null clears back to the topology's)",
        params: ProductIdParams,
        body: PutWeightsBody,
        response: { 200: ProductWeightsResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      assertProductAccess(principal, request.params.productId);
      const result = await ctx.coordinator.putProductWeights(request.params.productId, request.body, principal.credentialId);
      ctx.kick();
      return result;
    },
  );
}
