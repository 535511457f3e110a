import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { BudgetResponse, BurndownResponse, errorResponses, ProductIdParams, PutBudgetBody } from "../../../contracts/index.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { assertProductAccess } from "./product-access.js";

/** Per-product budgets: ceiling and window, the spend in it, the pause, the burndown. */
export function registerBudgetRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  // No 404: a product nothing was set for has the defaults (no ceiling, a monthly window).
  const errors = errorResponses(400, 401, 403, 429, 503);

  api.get(
    "/fleet/budgets/:productId",
    { schema: { tags: ["budgets"], summary: "The product's budget, its spend in the current window and its pause", params: ProductIdParams, response: { 200: BudgetResponse, ...errors } }, preHandler: operator },
    async (request) => {
      assertProductAccess(operatorOf(request), request.params.productId);
      return ctx.coordinator.budget(request.params.productId);
    },
  );

  api.put(
    "/fleet/budgets/:productId",
    {
      schema: {
        tags: ["budgets"],
        summary: "Set the ceiling (USD; null removes it), the window (daily, weekly, monthly, none) and its first day, hold-back, and what reaching the ceiling does",
        params: ProductIdParams,
        body: PutBudgetBody,
        response: { 200: BudgetResponse, ...errors },
      },
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      assertProductAccess(principal, request.params.productId);
      const view = await ctx.coordinator.putBudget(request.params.productId, request.body, principal.credentialId);
      ctx.kick();
      return view;
    },
  );

  api.get(
    "/fleet/budgets/:productId/burndown",
    { schema: { tags: ["budgets"], summary: "Spend per UTC day in the current window, cumulative, with the ceiling", params: ProductIdParams, response: { 200: BurndownResponse, ...errors } }, preHandler: operator },
    async (request) => {
      assertProductAccess(operatorOf(request), request.params.productId);
      return ctx.coordinator.burndown(request.params.productId);
    },
  );
}
